//! A look at the first field of a `multipart/form-data` body, from the bytes received so far.
//!
//! The web layer uses it to read a form's CSRF token, sent as the first field, without
//! holding the files that follow. It sits here, as plain code over bytes, so that it can be
//! tested and fuzzed without a server.

/// What the start of a multipart body says about its first field.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstField {
    /// The first field is the one looked for, with this value.
    Found(String),
    /// The body does not open with the boundary, or its first field is another one.
    Other,
    /// Not enough of the body yet to tell.
    NeedMore,
}

/// The first field of the multipart body starting with `head`, if it is named `wanted`.
///
/// Header names and the field name are compared without case (headers are read as
/// lowercase). More bytes never change an answer other than [`FirstField::NeedMore`].
pub fn first_field(head: &[u8], boundary: &str, wanted: &str) -> FirstField {
    let opening = format!("--{boundary}\r\n");
    if head.len() < opening.len() {
        return FirstField::NeedMore;
    }
    let Some(rest) = head.strip_prefix(opening.as_bytes()) else {
        return FirstField::Other;
    };
    let Some(end_of_headers) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
        return FirstField::NeedMore;
    };
    let headers = String::from_utf8_lossy(&rest[..end_of_headers]).to_ascii_lowercase();
    let name = format!("name=\"{}\"", wanted.to_ascii_lowercase());
    let named = headers
        .lines()
        .any(|line| line.starts_with("content-disposition:") && line.contains(&name));
    if !named {
        return FirstField::Other;
    }
    let value = &rest[end_of_headers + 4..];
    let closing = format!("\r\n--{boundary}");
    match value
        .windows(closing.len())
        .position(|w| w == closing.as_bytes())
    {
        Some(end) => FirstField::Found(String::from_utf8_lossy(&value[..end]).into_owned()),
        None => FirstField::NeedMore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_the_first_multipart_field_or_nothing() {
        let first = |head: &[u8], boundary| first_field(head, boundary, "csrf_token");
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF";
        assert_eq!(
            first(body.as_bytes(), "XyZ"),
            FirstField::Found("abc".into())
        );
        for cut in [0, 3, 10, 60, 66] {
            assert_eq!(
                first(&body.as_bytes()[..cut], "XyZ"),
                FirstField::NeedMore,
                "{cut}"
            );
        }
        let file_first =
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--XyZ--";
        assert_eq!(first(file_first.as_bytes(), "XyZ"), FirstField::Other);
        assert_eq!(first(b"--Other\r\n", "XyZ"), FirstField::Other);
    }
}
