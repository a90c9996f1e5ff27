//! Reading EC2's answers: the text at an element path, and error documents.

use std::borrow::Cow;

use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_xml::decode::{Document, ScopedDecoder, XmlDecodeError, try_data};

/// An EC2 error answer: its code and message, when the body is an error document
/// (`Response > Errors > Error`, or the `ErrorResponse > Error` of the other query
/// protocols); neither for anything else, such as an HTML error page.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct Ec2Error {
    status: u16,
    meta: ErrorMetadata,
}

impl Ec2Error {
    pub fn from_answer(status: u16, body: &[u8]) -> Ec2Error {
        let xml = String::from_utf8_lossy(body);
        let field = |name: &str| {
            [
                &["Response", "Errors", "Error", name][..],
                &["ErrorResponse", "Error", name],
            ]
            .into_iter()
            .find_map(|path| texts(&xml, path).ok()?.into_iter().next())
        };
        let mut meta = ErrorMetadata::builder();
        if let Some(code) = field("Code") {
            meta = meta.code(code);
        }
        if let Some(message) = field("Message") {
            meta = meta.message(message);
        }
        Ec2Error {
            status,
            meta: meta.build(),
        }
    }

    fn describe(&self) -> String {
        match (self.meta.code(), self.meta.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => format!("HTTP {} without an EC2 error document", self.status),
        }
    }
}

impl ProvideErrorMetadata for Ec2Error {
    fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }
}

/// The text of every element at `path` (element names from the root element down), in
/// document order: `["DescribeVpcsResponse", "vpcSet", "item", "vpcId"]` gives each VPC's
/// id and nothing nested deeper or elsewhere. Fails on a document that is not well-formed
/// XML, whose root is not `path[0]`, or where an element at `path` holds elements.
pub fn texts(xml: &str, path: &[&str]) -> Result<Vec<String>, XmlDecodeError> {
    // The decoder skips what it cannot tokenize and stops quietly at a truncated end; a
    // pass over the tokens finds both first (the depth after the last token is 0 only
    // when every element was closed).
    let mut depth = 0;
    for token in Document::new(xml) {
        depth = token?.1;
    }
    if depth != 0 {
        return Err(XmlDecodeError::custom(
            "the document ends inside an element",
        ));
    }
    let [root, rest @ ..] = path else {
        return Ok(vec![]);
    };
    let mut doc = Document::new(xml);
    let mut scope = doc.root_element()?;
    if !scope.start_el().matches(root) {
        return Err(XmlDecodeError::custom(format!(
            "expected <{root}>, found <{}>",
            scope.start_el().local()
        )));
    }
    let mut out = vec![];
    collect(&mut scope, rest, &mut out)?;
    Ok(out)
}

fn collect(
    scope: &mut ScopedDecoder<'_, '_>,
    path: &[&str],
    out: &mut Vec<String>,
) -> Result<(), XmlDecodeError> {
    let [name, rest @ ..] = path else {
        out.push(try_data(scope).map(Cow::into_owned)?.trim().to_owned());
        return Ok(());
    };
    while let Some(mut child) = scope.next_tag() {
        if child.start_el().matches(name) {
            collect(&mut child, rest, out)?;
        }
    }
    Ok(())
}

/// For every element at `item` (element names from the root down), the text of each of
/// `fields` (paths below the item; the first match of each), in document order:
/// DescribeInstances' instances with their id, state and profile, say.
pub fn records(
    xml: &str,
    item: &[&str],
    fields: &[&[&str]],
) -> Result<Vec<Vec<Option<String>>>, XmlDecodeError> {
    let [root, rest @ ..] = item else {
        return Ok(vec![]);
    };
    let mut doc = Document::new(xml);
    let mut scope = doc.root_element()?;
    if !scope.start_el().matches(root) {
        return Err(XmlDecodeError::custom(format!(
            "expected <{root}>, found <{}>",
            scope.start_el().local()
        )));
    }
    let mut out = vec![];
    each_item(&mut scope, rest, fields, &mut out)?;
    Ok(out)
}

fn each_item(
    scope: &mut ScopedDecoder<'_, '_>,
    path: &[&str],
    fields: &[&[&str]],
    out: &mut Vec<Vec<Option<String>>>,
) -> Result<(), XmlDecodeError> {
    let [name, rest @ ..] = path else {
        let mut record = vec![None; fields.len()];
        let wanted: Vec<(usize, &[&str])> = fields.iter().copied().enumerate().collect();
        capture(scope, &wanted, &mut record)?;
        out.push(record);
        return Ok(());
    };
    while let Some(mut child) = scope.next_tag() {
        if child.start_el().matches(name) {
            each_item(&mut child, rest, fields, out)?;
        }
    }
    Ok(())
}

/// Fills `record[i]` with the text at each `(i, path)` below `scope`.
fn capture(
    scope: &mut ScopedDecoder<'_, '_>,
    wanted: &[(usize, &[&str])],
    record: &mut [Option<String>],
) -> Result<(), XmlDecodeError> {
    while let Some(mut child) = scope.next_tag() {
        let below: Vec<(usize, &[&str])> = wanted
            .iter()
            .filter(|(_, p)| p.first().is_some_and(|n| child.start_el().matches(n)))
            .map(|(i, p)| (*i, &p[1..]))
            .collect();
        if below.is_empty() {
            continue;
        }
        if below.iter().any(|(_, p)| p.is_empty()) {
            let text = try_data(&mut child)?.trim().to_owned();
            for (i, _) in below.iter().filter(|(_, p)| p.is_empty()) {
                record[*i].get_or_insert_with(|| text.clone());
            }
        } else {
            capture(&mut child, &below, record)?;
        }
    }
    Ok(())
}
