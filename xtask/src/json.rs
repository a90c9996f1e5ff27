//! Just enough JSON for xtask, which stays std-only: the top-level fields of one object
//! (cargo's messages, ecsrole's and ecsrole-load's JSON lines), string values, and
//! writing a string.

/// The end (exclusive) of the string literal that starts at `bytes[start] == b'"'`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The top-level fields of the JSON object `text`, each value as its raw JSON text;
/// `None` when `text` is not one object.
pub fn fields(text: &str) -> Option<Vec<(String, &str)>> {
    let bytes = text.as_bytes();
    let mut i = skip_space(bytes, 0);
    (bytes.get(i) == Some(&b'{')).then_some(())?;
    i = skip_space(bytes, i + 1);
    let mut out = vec![];
    if bytes.get(i) == Some(&b'}') {
        return (skip_space(bytes, i + 1) == bytes.len()).then_some(out);
    }
    loop {
        (bytes.get(i) == Some(&b'"')).then_some(())?;
        let key_end = string_end(bytes, i)?;
        let key = string(&text[i..key_end])?;
        i = skip_space(bytes, key_end);
        (bytes.get(i) == Some(&b':')).then_some(())?;
        let start = skip_space(bytes, i + 1);
        let mut depth = 0usize;
        i = start;
        loop {
            match *bytes.get(i)? {
                b'"' => {
                    i = string_end(bytes, i)?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b',' | b'}' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        out.push((key, text[start..i].trim_end()));
        if bytes[i] == b'}' {
            return (skip_space(bytes, i + 1) == bytes.len()).then_some(out);
        }
        i = skip_space(bytes, i + 1);
    }
}

/// The raw value of the top-level field `key` of the object `text`.
pub fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    fields(text)?
        .into_iter()
        .find_map(|(k, v)| (k == key).then_some(v))
}

/// The value of a JSON string literal (`"..."`, quotes included); `None` for anything else.
pub fn string(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}')
            }
            other => other,
        });
    }
    Some(out)
}

/// `text` as a JSON string literal.
pub fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_fields_only() {
        let line = r#"{"account_id": "000000000001", "exit_code": 1, "result": {"exit_code": 0, "x": [1, "}", {"a": "\"b"}]}, "error": "timed out \"x\"\n"}"#;
        let f = fields(line).unwrap();
        let keys: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["account_id", "exit_code", "result", "error"]);
        assert_eq!(field(line, "exit_code"), Some("1"));
        assert_eq!(
            string(field(line, "error").unwrap()).unwrap(),
            "timed out \"x\"\n"
        );
        assert_eq!(
            field(r#"{"summary": {"ok": 3}}"#, "summary"),
            Some(r#"{"ok": 3}"#)
        );
        assert_eq!(field(r#"{"error":null}"#, "error"), Some("null"));
        assert_eq!(fields("{}").unwrap().len(), 0);
        assert!(fields("error: no").is_none());
        assert!(fields(r#"{"a": 1"#).is_none());
        assert!(fields(r#"{"a": 1} trailing"#).is_none());
    }

    #[test]
    fn strings_round_trip() {
        let text = "a \"b\" \\ c\nd\u{1}é";
        assert_eq!(string(&quote(text)).unwrap(), text);
        assert_eq!(string(r#""\u00e9\/""#).unwrap(), "é/");
        assert!(string("12").is_none());
    }
}
