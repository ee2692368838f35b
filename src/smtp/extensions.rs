//! EHLO keywords (RFC 5321 §4.1.1.1): the lines after the first of a 250 EHLO reply, each an
//! `ehlo-keyword` followed by optional parameters. Unknown keywords are kept; a keyword with bad
//! syntax is kept verbatim (a diagnostic tool shows what the server said).

use serde::{Deserialize, Serialize};

use crate::smtp::reply::Reply;

/// One advertised extension, keyword upper-cased (keywords are case-insensitive, §2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub keyword: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub params: Vec<String>,
}

/// The extensions of a 250 EHLO reply. The first line is the server's greeting name, not a keyword.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    pub server_name: String,
    pub list: Vec<Extension>,
}

impl Extensions {
    pub fn from_reply(reply: &Reply) -> Self {
        let mut lines = reply.lines.iter();
        let server_name = lines
            .next()
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or("")
            .to_string();
        let list = lines
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let keyword = words.next()?.to_ascii_uppercase();
                Some(Extension {
                    keyword,
                    params: words.map(str::to_string).collect(),
                })
            })
            .collect();
        Self { server_name, list }
    }

    pub fn has(&self, keyword: &str) -> bool {
        self.list
            .iter()
            .any(|e| e.keyword.eq_ignore_ascii_case(keyword))
    }

    /// RFC 3207: the server offers STARTTLS.
    pub fn starttls(&self) -> bool {
        self.has("STARTTLS")
    }

    /// RFC 1870: the declared maximum message size, if any.
    pub fn size(&self) -> Option<u64> {
        self.list
            .iter()
            .find(|e| e.keyword == "SIZE")
            .and_then(|e| e.params.first())
            .and_then(|p| p.parse().ok())
    }

    /// Keywords with their parameters, as shown in reports (`SIZE 10240000`).
    pub fn keywords(&self) -> Vec<String> {
        self.list
            .iter()
            .map(|e| {
                if e.params.is_empty() {
                    e.keyword.clone()
                } else {
                    format!("{} {}", e.keyword, e.params.join(" "))
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::reply::ReplyParser;

    fn ehlo(lines: &[&str]) -> Extensions {
        let mut p = ReplyParser::new();
        let mut reply = None;
        for l in lines {
            reply = p.push_line(l).unwrap();
        }
        Extensions::from_reply(&reply.unwrap())
    }

    #[test]
    fn parses_keywords_and_params() {
        let e = ehlo(&[
            "250-mx.example.com Hello [192.0.2.1]",
            "250-SIZE 157286400",
            "250-PIPELINING",
            "250-starttls",
            "250-AUTH LOGIN PLAIN",
            "250-X-ANONYMOUSTLS",
            "250 SMTPUTF8",
        ]);
        assert_eq!(e.server_name, "mx.example.com");
        assert!(e.starttls(), "keywords are case-insensitive");
        assert_eq!(e.size(), Some(157_286_400));
        assert!(e.has("x-anonymoustls"), "unknown keywords are kept");
        assert_eq!(e.keywords()[3], "AUTH LOGIN PLAIN");
        assert_eq!(e.list.len(), 6);
    }

    #[test]
    fn single_line_ehlo_has_no_extensions() {
        let e = ehlo(&["250 mx.example.com"]);
        assert!(!e.starttls());
        assert!(e.list.is_empty());
        assert_eq!(e.size(), None);
    }

    #[test]
    fn bad_size_param_is_ignored() {
        let e = ehlo(&["250-mx", "250 SIZE lots"]);
        assert_eq!(e.size(), None);
        assert!(e.has("SIZE"));
    }
}
