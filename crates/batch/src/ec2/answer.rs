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

/// An instance as DescribeInstances describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawInstance {
    pub id: String,
    pub state: String,
    pub launch_time: Option<String>,
    pub instance_profile_arn: Option<String>,
    pub subnet: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// The instances of a DescribeInstances answer, and its `nextToken`.
pub fn instances(xml: &str) -> Result<(Vec<RawInstance>, Option<String>), XmlDecodeError> {
    texts(xml, &[])?; // the well-formedness check
    let mut doc = Document::new(xml);
    let mut root = doc.root_element()?;
    if !root.start_el().matches("DescribeInstancesResponse") {
        return Err(XmlDecodeError::custom(format!(
            "expected <DescribeInstancesResponse>, found <{}>",
            root.start_el().local()
        )));
    }
    let mut out = vec![];
    let mut next = None;
    while let Some(mut child) = root.next_tag() {
        if child.start_el().matches("nextToken") {
            next = Some(try_data(&mut child)?.trim().to_owned()).filter(|t| !t.is_empty());
        } else if child.start_el().matches("reservationSet") {
            while let Some(mut reservation) = child.next_tag() {
                while let Some(mut set) = reservation.next_tag() {
                    if set.start_el().matches("instancesSet") {
                        while let Some(mut item) = set.next_tag() {
                            out.push(instance(&mut item)?);
                        }
                    }
                }
            }
        }
    }
    Ok((out, next))
}

fn text(scope: &mut ScopedDecoder<'_, '_>) -> Result<String, XmlDecodeError> {
    Ok(try_data(scope)?.trim().to_owned())
}

/// The text of `scope`'s child `name`.
fn child_text(
    scope: &mut ScopedDecoder<'_, '_>,
    name: &str,
) -> Result<Option<String>, XmlDecodeError> {
    while let Some(mut c) = scope.next_tag() {
        if c.start_el().matches(name) {
            return text(&mut c).map(Some);
        }
    }
    Ok(None)
}

fn instance(item: &mut ScopedDecoder<'_, '_>) -> Result<RawInstance, XmlDecodeError> {
    let mut i = RawInstance::default();
    while let Some(mut field) = item.next_tag() {
        let el = field.start_el().local().to_owned();
        match el.as_str() {
            "instanceId" => i.id = text(&mut field)?,
            "instanceState" => i.state = child_text(&mut field, "name")?.unwrap_or_default(),
            "launchTime" => i.launch_time = Some(text(&mut field)?),
            "iamInstanceProfile" => i.instance_profile_arn = child_text(&mut field, "arn")?,
            "subnetId" => i.subnet = Some(text(&mut field)?),
            "tagSet" => {
                while let Some(mut tag) = field.next_tag() {
                    let (mut key, mut value) = (String::new(), String::new());
                    while let Some(mut kv) = tag.next_tag() {
                        if kv.start_el().matches("key") {
                            key = text(&mut kv)?;
                        } else if kv.start_el().matches("value") {
                            value = text(&mut kv)?;
                        }
                    }
                    i.tags.push((key, value));
                }
            }
            _ => {}
        }
    }
    Ok(i)
}
