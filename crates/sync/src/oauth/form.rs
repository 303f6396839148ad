//! `application/x-www-form-urlencoded`, both ways: request bodies and URL queries out, the
//! browser's redirect query in.

use crate::net::names::percent_encode;

/// `a=1&b=2`, each name and value percent-encoded.
pub(crate) fn encode(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// The pairs of a query (`+` is a space); undecodable escapes are kept as they are.
pub(crate) fn decode(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_junk() {
        let q = encode(&[("redirect_uri", "http://127.0.0.1:5/"), ("scope", "a b"), ("x", "é&=")]);
        assert_eq!(q, "redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2F&scope=a%20b&x=%C3%A9%26%3D");
        let back = decode(&q);
        assert_eq!(back[0], ("redirect_uri".into(), "http://127.0.0.1:5/".into()));
        assert_eq!(back[1].1, "a b");
        assert_eq!(back[2].1, "é&=");
        assert_eq!(
            decode("code=a+b&state=%zz&e=%4"),
            vec![("code".into(), "a b".into()), ("state".into(), "%zz".into()), ("e".into(), "%4".into())]
        );
        assert_eq!(decode("&&novalue&"), vec![("novalue".into(), String::new())]);
    }
}
