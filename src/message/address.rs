//! One RFC 5322 address parser for every use: the From address a signature is checked against,
//! the From the reader shows, the recipients a message is sent to. mail-parser's address parser
//! (comments, quoted display names, groups, encoded words) reads them all, so a header such as
//! `boss@corp (<eve@corp>)` or `"<eve@corp>" boss@corp` is `boss@corp` for the check and for
//! the display alike ("Johnny, you are fired", I1/I2).

use mail_parser::MessageParser;

/// One mailbox of an address header: its display name (comments included, as mail-parser
/// reads them) and its addr-spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl Mailbox {
    /// The display name itself holds an address or angle brackets (`"alice@bar.test"
    /// <carol@bar.test>`): shown to a reader, it would claim another address than the real one.
    pub fn name_looks_like_address(&self) -> bool {
        self.name
            .as_deref()
            .is_some_and(|n| n.contains('@') || n.contains('<') || n.contains('>'))
    }

    /// As a reader sees it: `Name <addr>`, the name quoted (RFC 5322 quoted-string) whenever
    /// it holds anything but plain words, so an address-like name keeps its quotes.
    pub fn display(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => {
                let plain = n
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '\'' | '_'));
                if plain {
                    format!("{n} <{}>", self.address)
                } else {
                    let q = n.replace('\\', "\\\\").replace('"', "\\\"");
                    format!("\"{q}\" <{}>", self.address)
                }
            }
            _ => self.address.clone(),
        }
    }
}

/// The mailboxes of a parsed address header value (groups flattened); entries without an
/// addr-spec containing '@' are left out.
pub fn from_parsed(a: Option<&mail_parser::Address<'_>>) -> Vec<Mailbox> {
    let Some(a) = a else {
        return Vec::new();
    };
    a.iter()
        .filter_map(|x| {
            let address = x.address()?.trim();
            address.contains('@').then(|| Mailbox {
                name: x
                    .name()
                    .map(str::to_string)
                    .filter(|n| !n.trim().is_empty()),
                address: address.to_string(),
            })
        })
        .collect()
}

/// The mailboxes of an address header value (`From`, `To`, a user's typed list).
pub fn mailboxes(value: &str) -> Vec<Mailbox> {
    // One header line: line breaks in the value would end the header early.
    let line: String = value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let raw = format!("To: {line}\r\n\r\n");
    let Some(m) = MessageParser::default().parse(raw.as_bytes()) else {
        return Vec::new();
    };
    from_parsed(m.to())
}

/// The addr-specs of an address header value.
pub fn addresses(value: &str) -> Vec<String> {
    mailboxes(value).into_iter().map(|m| m.address).collect()
}

/// A list for display: `a, b`.
pub fn display_list(list: &[Mailbox]) -> String {
    list.iter()
        .map(Mailbox::display)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_quotes_and_groups() {
        assert_eq!(
            addresses("\"Doe, Jane\" <jane@example.test>, bob@example.test"),
            vec!["jane@example.test", "bob@example.test"]
        );
        assert_eq!(
            addresses("Alice <alice@example.test>"),
            vec!["alice@example.test"]
        );
        assert!(addresses("undisclosed-recipients:;").is_empty());
        assert_eq!(
            addresses("team: a@example.test, b@example.test;"),
            vec!["a@example.test", "b@example.test"]
        );
        assert!(addresses("not an address").is_empty());
    }

    #[test]
    fn comments_and_quoted_names_never_supply_the_address() {
        // Johnny I1/I2: what the check uses is the addr-spec, as the reader shows it.
        for (value, want) in [
            ("boss@corp.test (<eve@corp.test>)", "boss@corp.test"),
            ("\"<eve@corp.test>\" boss@corp.test", "boss@corp.test"),
            ("Boss <boss@corp.test> (<eve@corp.test>)", "boss@corp.test"),
        ] {
            assert_eq!(addresses(value), vec![want.to_string()], "{value}");
            let m = &mailboxes(value)[0];
            assert!(m.name_looks_like_address(), "{value}: {m:?}");
            assert!(m.display().starts_with('"'), "{value}: {}", m.display());
            assert!(m.display().ends_with(&format!("<{want}>")));
        }
    }

    #[test]
    fn address_like_names_keep_their_quotes() {
        let m = &mailboxes("\"alice@bar.test\" <carol@bar.test>")[0];
        assert_eq!(m.address, "carol@bar.test");
        assert!(m.name_looks_like_address());
        assert_eq!(m.display(), "\"alice@bar.test\" <carol@bar.test>");
        let plain = &mailboxes("Alice Example <alice@example.test>")[0];
        assert!(!plain.name_looks_like_address());
        assert_eq!(plain.display(), "Alice Example <alice@example.test>");
        assert_eq!(mailboxes("a@example.test\r\nBcc: x@evil.test").len(), 1);
    }
}
