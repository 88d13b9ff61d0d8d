//! A small, strict XML reader for tests: checks that a JUnit report is well-formed (one root,
//! balanced tags, quoted and unique attributes, known entities, only characters XML 1.0
//! allows) and returns its elements with attributes and text unescaped. Shared by the unit
//! tests and `cli/tests/ci_reports.rs` (included there by path).
#![allow(dead_code)]

use std::collections::BTreeMap;

/// An element: name, attributes and text unescaped, children in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Its name.
    pub name: String,
    /// Its attributes.
    pub attrs: BTreeMap<String, String>,
    /// Its text (the text nodes directly inside it, joined).
    pub text: String,
    /// Its child elements.
    pub children: Vec<Element>,
}

impl Element {
    /// Attribute `name`, or "".
    pub fn attr(&self, name: &str) -> &str {
        self.attrs.get(name).map_or("", String::as_str)
    }

    /// Children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Parses `doc`, or says what is wrong and where.
pub fn parse(doc: &str) -> Result<Element, String> {
    if let Some(c) = doc
        .chars()
        .find(|c| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
    {
        return Err(format!("character U+{:04X} is not allowed", u32::from(c)));
    }
    let mut r = Reader { s: doc, i: 0 };
    if r.rest().starts_with("<?xml") {
        let end = r.rest().find("?>").ok_or("unterminated XML declaration")?;
        r.i += end + 2;
    }
    r.space();
    let root = r.element()?;
    r.space();
    if r.i != doc.len() {
        return Err(format!("content after the root element at byte {}", r.i));
    }
    Ok(root)
}

struct Reader<'a> {
    s: &'a str,
    i: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn space(&mut self) {
        let n = self.rest().len() - self.rest().trim_start().len();
        self.i += n;
    }

    fn eat(&mut self, token: &str) -> Result<(), String> {
        if self.rest().starts_with(token) {
            self.i += token.len();
            Ok(())
        } else {
            Err(format!("expected {token:?} at byte {}", self.i))
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let n = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
            .unwrap_or(self.rest().len());
        if n == 0
            || self
                .rest()
                .starts_with(|c: char| c.is_ascii_digit() || c == '-')
        {
            return Err(format!("expected a name at byte {}", self.i));
        }
        let name = self.rest()[..n].to_string();
        self.i += n;
        Ok(name)
    }

    fn element(&mut self) -> Result<Element, String> {
        self.eat("<")?;
        let name = self.name()?;
        let mut attrs = BTreeMap::new();
        loop {
            let before = self.i;
            self.space();
            if self.rest().starts_with("/>") {
                self.i += 2;
                return Ok(Element {
                    name,
                    attrs,
                    text: String::new(),
                    children: Vec::new(),
                });
            }
            if self.rest().starts_with('>') {
                self.i += 1;
                break;
            }
            if self.i == before {
                return Err(format!(
                    "expected whitespace before an attribute at byte {}",
                    self.i
                ));
            }
            let key = self.name()?;
            self.eat("=")?;
            self.eat("\"")?;
            let end = self.rest().find('"').ok_or("unterminated attribute")?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(format!("'<' in attribute {key}"));
            }
            let value = unescape(raw)?;
            self.i += end + 1;
            if attrs.insert(key.clone(), value).is_some() {
                return Err(format!("attribute {key} twice on <{name}>"));
            }
        }
        let mut text = String::new();
        let mut children = Vec::new();
        loop {
            let end = self
                .rest()
                .find('<')
                .ok_or(format!("<{name}> is not closed"))?;
            let raw = &self.rest()[..end];
            if raw.contains("]]>") {
                return Err("']]>' in text".into());
            }
            text.push_str(&unescape(raw)?);
            self.i += end;
            if self.rest().starts_with("</") {
                self.i += 2;
                let closing = self.name()?;
                if closing != name {
                    return Err(format!("<{name}> closed by </{closing}>"));
                }
                self.space();
                self.eat(">")?;
                return Ok(Element {
                    name,
                    attrs,
                    text,
                    children,
                });
            }
            children.push(self.element()?);
        }
    }
}

fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..]
            .find(';')
            .ok_or_else(|| format!("'&' without ';' in {raw:?}"))?;
        let entity = &rest[amp + 1..amp + semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e => {
                let code = if let Some(hex) = e.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = e.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{e};"))?
            }
        };
        out.push(c);
        rest = &rest[amp + semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
