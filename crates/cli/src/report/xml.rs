//! The JUnit XML document, in the dialect of the Jenkins xUnit plugin's `junit-10.xsd` (the
//! schema the integration tests validate against). A few lines that escape everything
//! they write: quick-junit would bring chrono, uuid, quick-xml and more for the same.

use std::fmt::Write as _;
use std::time::Duration;

use super::model::{CaseResult, Suite};

impl Suite {
    /// The whole document. `elapsed`: the command's wall time.
    pub fn to_xml(&self, elapsed: Duration) -> String {
        let c = self.counts();
        let time = seconds(elapsed);
        let name = escape(&self.name);
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"ecsrole\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{time}\">",
            c.tests, c.failures, c.errors
        );
        let _ = writeln!(
            x,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time}\">",
            c.tests, c.failures, c.errors, c.skipped
        );
        if !self.properties.is_empty() {
            x.push_str("    <properties>\n");
            for (k, v) in &self.properties {
                let _ = writeln!(
                    x,
                    "      <property name=\"{}\" value=\"{}\"/>",
                    escape(k),
                    escape(v)
                );
            }
            x.push_str("    </properties>\n");
        }
        for case in &self.cases {
            let _ = write!(
                x,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&case.classname),
                escape(&case.name)
            );
            if let Some(t) = case.time {
                let _ = write!(x, " time=\"{}\"", seconds(t));
            }
            let mut inner = String::new();
            let _ = match &case.result {
                CaseResult::Passed => Ok(()),
                CaseResult::Failure { kind, message } => writeln!(
                    inner,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    escape(kind),
                    escape(message),
                    escape_text(message)
                ),
                CaseResult::Error { kind, message } => writeln!(
                    inner,
                    "      <error type=\"{}\" message=\"{}\">{}</error>",
                    escape(kind),
                    escape(message),
                    escape_text(message)
                ),
                CaseResult::Skipped { message } => {
                    writeln!(inner, "      <skipped message=\"{}\"/>", escape(message))
                }
            };
            if let Some(out) = &case.output {
                let _ = writeln!(inner, "      <system-out>{}</system-out>", escape_text(out));
            }
            if inner.is_empty() {
                x.push_str("/>\n");
            } else {
                x.push_str(">\n");
                x.push_str(&inner);
                x.push_str("    </testcase>\n");
            }
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }
}

/// Seconds with millisecond precision, as the schema's time pattern wants (`12.345`).
fn seconds(d: Duration) -> String {
    format!("{}.{:03}", d.as_secs(), d.subsec_millis())
}

/// Escapes text for an attribute value. Characters XML 1.0 cannot hold (most control
/// characters, e.g. a terminal escape in an error) become U+FFFD; line breaks and tabs
/// become character references, which attribute values need to keep them.
pub fn escape(s: &str) -> String {
    escape_as(s, true)
}

/// Escapes text for element content: as `escape`, but line breaks and tabs stay as they are.
pub fn escape_text(s: &str) -> String {
    escape_as(s, false)
}

fn escape_as(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(c),
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => {
                out.push(c);
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Case, Counts, error, failure};

    #[test]
    fn escapes_markup_quotes_breaks_and_control_characters() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\n\te\u{1b}[0m\u{0}"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;&#10;&#9;e\u{FFFD}[0m\u{FFFD}"
        );
        assert_eq!(escape("ünïcode ✓ 𝄞"), "ünïcode ✓ 𝄞");
        assert_eq!(
            escape_text("a \"b\"\n\tc\r\n<d>\u{7}"),
            "a \"b\"\n\tc&#13;\n&lt;d&gt;\u{FFFD}"
        );
    }

    #[test]
    fn seconds_have_millisecond_precision() {
        assert_eq!(seconds(Duration::from_millis(1234)), "1.234");
        assert_eq!(seconds(Duration::from_millis(5)), "0.005");
        assert_eq!(seconds(Duration::from_secs(3600)), "3600.000");
    }

    #[test]
    fn counts_and_document_agree() {
        let s = Suite {
            name: "ecsrole x".into(),
            properties: vec![("k".into(), "v\"".into())],
            cases: vec![
                Case::new("a", "ok", CaseResult::Passed),
                Case::new("a", "out", CaseResult::Passed).output("fine <really>"),
                Case::new("b", "f", failure("drift", "bad & worse")),
                Case::new("c", "e", error("error", "boom")),
                Case::new(
                    "d",
                    "s",
                    CaseResult::Skipped {
                        message: "later".into(),
                    },
                ),
            ],
        };
        assert_eq!(
            s.counts(),
            Counts {
                tests: 5,
                failures: 1,
                errors: 1,
                skipped: 1
            }
        );
        let xml = s.to_xml(Duration::from_millis(1500));
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="ecsrole" tests="5" failures="1" errors="1" time="1.500">
  <testsuite name="ecsrole x" tests="5" failures="1" errors="1" skipped="1" time="1.500">
    <properties>
      <property name="k" value="v&quot;"/>
    </properties>
    <testcase classname="a" name="ok"/>
    <testcase classname="a" name="out">
      <system-out>fine &lt;really&gt;</system-out>
    </testcase>
    <testcase classname="b" name="f">
      <failure type="drift" message="bad &amp; worse">bad &amp; worse</failure>
    </testcase>
    <testcase classname="c" name="e">
      <error type="error" message="boom">boom</error>
    </testcase>
    <testcase classname="d" name="s">
      <skipped message="later"/>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
    }
}
