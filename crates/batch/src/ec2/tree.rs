//! EC2's answers as a tree, for the describes whose items nest lists (route tables and
//! their routes and associations, security groups and their rules, network ACLs and their
//! entries). The tokens come from xmlparser, the tokenizer aws-smithy-xml itself is built
//! on (already compiled for the SDK clients).

use aws_smithy_xml::decode::XmlDecodeError;
use xmlparser::{ElementEnd, Token, Tokenizer};

/// An element: its local name, its text (trimmed; empty for an element holding elements)
/// and its child elements in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child named `name`, if it has one that is not empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// The `item`s of the child list `set` (`routeSet`, `ipPermissionsEgress`...).
    pub fn items<'a>(&'a self, set: &str) -> impl Iterator<Item = &'a Node> + 'a {
        self.child(set)
            .into_iter()
            .flat_map(|s| s.children.iter().filter(|c| c.name == "item"))
    }

    /// `text_of(name) == "true"`.
    pub fn flag(&self, name: &str) -> bool {
        self.text_of(name) == Some("true")
    }
}

/// The document's root element as a tree. Fails on a document that is not well-formed
/// (unclosed or mismatched elements, a truncated end) or whose root is not `root`.
pub fn tree(xml: &str, root: &str) -> Result<Node, XmlDecodeError> {
    let bad = |e: xmlparser::Error| XmlDecodeError::custom(format!("not XML: {e}"));
    let mut stack: Vec<Node> = vec![];
    let mut done: Option<Node> = None;
    for token in Tokenizer::from(xml) {
        match token.map_err(bad)? {
            Token::ElementStart { local, .. } => {
                if done.is_some() {
                    return Err(XmlDecodeError::custom("more than one root element"));
                }
                stack.push(Node {
                    name: local.as_str().to_owned(),
                    ..Node::default()
                });
            }
            Token::ElementEnd { end, .. } => {
                if let ElementEnd::Close(_, local) = end
                    && stack.last().is_none_or(|n| n.name != local.as_str())
                {
                    return Err(XmlDecodeError::custom(format!(
                        "</{}> closes no open element of that name",
                        local.as_str()
                    )));
                }
                if matches!(end, ElementEnd::Open) {
                    continue;
                }
                let mut node = stack
                    .pop()
                    .ok_or_else(|| XmlDecodeError::custom("an end with no element"))?;
                node.text = node.text.trim().to_owned();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => done = Some(node),
                }
            }
            Token::Text { text } | Token::Cdata { text, .. } => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&unescape(text.as_str()));
                }
            }
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlDecodeError::custom(
            "the document ends inside an element",
        ));
    }
    let node = done.ok_or_else(|| XmlDecodeError::custom("no root element"))?;
    if node.name != root {
        return Err(XmlDecodeError::custom(format!(
            "expected <{root}>, found <{}>",
            node.name
        )));
    }
    Ok(node)
}

/// XML's five named entities and numeric character references.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_keep_their_parents() {
        let xml = r#"<?xml version="1.0"?>
<DescribeRouteTablesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <routeTableSet>
    <item><routeTableId>rtb-1</routeTableId>
      <routeSet><item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>igw-1</gatewayId></item></routeSet>
      <associationSet/>
    </item>
    <item><routeTableId>rtb-2</routeTableId><routeSet></routeSet></item>
  </routeTableSet>
</DescribeRouteTablesResponse>"#;
        let root = tree(xml, "DescribeRouteTablesResponse").unwrap();
        let tables: Vec<&Node> = root.items("routeTableSet").collect();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].text_of("routeTableId"), Some("rtb-1"));
        let routes: Vec<&Node> = tables[0].items("routeSet").collect();
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].text_of("gatewayId"), Some("igw-1"));
        assert_eq!(tables[1].items("routeSet").count(), 0);
        assert_eq!(tables[0].items("associationSet").count(), 0);
    }

    #[test]
    fn entities_are_read_and_bad_documents_fail() {
        let root = tree("<R><a>x &amp; y &#65;&#x42;</a></R>", "R").unwrap();
        assert_eq!(root.text_of("a"), Some("x & y AB"));
        assert!(tree("<R><a></R>", "R").is_err());
        assert!(tree("<R><a>", "R").is_err());
        assert!(tree("<Other/>", "R").is_err());
        assert!(tree("<html>502</html>", "R").is_err());
        assert!(tree("", "R").is_err());
    }
}
