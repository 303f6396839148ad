//! `application/x-www-form-urlencoded`, both ways: request bodies and URL queries out, the
//! browser's redirect query in.

use crate::net::names::percent_encode;

/// `a=1&b=2`, each name and value percent-encoded. Not `form_urlencoded`'s serializer: it
/// writes a space as `+` and leaves `*` bare, where this keeps only RFC 3986's unreserved
/// characters (a space is `%20`), which every server reads the same in a query or a body.
pub(crate) fn encode(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// The pairs of a query (`+` is a space); undecodable escapes are kept as they are.
pub(crate) fn decode(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
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
