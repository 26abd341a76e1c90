//! Minimal, bounded ASN.1 TLV walking for hostile input (X.690).
//!
//! The RustCrypto `der` crate decodes DER only; real S/MIME traffic is often BER (OpenSSL
//! `-stream`, Outlook, NSS): indefinite lengths and constructed (chunked) OCTET STRINGs.
//! [`ber_to_der`] rewrites such input into DER before typed decoding. [`Tlv`] also lets the
//! verifier read the exact bytes of signed attributes as the signer sent them (the `der` crate
//! re-sorts SET OF on decode, which would change the signed bytes of a sloppy sender).

use thiserror::Error;

/// Nesting deeper than this is rejected: no legitimate CMS object comes close.
pub const MAX_DEPTH: usize = 64;

/// Elements a BER input may hold to be rewritten as DER: the tree costs tens of bytes an
/// element, so a message made of millions of tiny elements is refused, not held in memory
/// many times its size. Real CMS (even indefinite-length, chunked content) has far fewer.
pub const MAX_BER_ELEMENTS: usize = 1 << 20;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum Asn1Error {
    #[error("malformed ASN.1: {0}")]
    Malformed(&'static str),
    #[error("ASN.1 nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("more than {MAX_BER_ELEMENTS} ASN.1 elements")]
    TooManyElements,
}

/// One TLV element borrowed from its input.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    /// The identifier octet(s) (only low-tag-number form is accepted, as in every CMS object).
    pub tag: u8,
    /// The whole element, header included (definite-length input only).
    pub raw: &'a [u8],
    /// The contents octets.
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// Iterates over the children of a constructed, definite-length element.
    pub fn children(&self) -> TlvIter<'a> {
        TlvIter { rest: self.value }
    }
}

pub struct TlvIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, Asn1Error>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match read_der(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Header of one element: (tag, header length, content length or None for indefinite).
fn read_header(input: &[u8]) -> Result<(u8, usize, Option<usize>), Asn1Error> {
    let tag = *input.first().ok_or(Asn1Error::Malformed("truncated tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(Asn1Error::Malformed("high tag numbers are not used in CMS"));
    }
    let first = *input
        .get(1)
        .ok_or(Asn1Error::Malformed("truncated length"))?;
    if first < 0x80 {
        return Ok((tag, 2, Some(first as usize)));
    }
    if first == 0x80 {
        if tag & 0x20 == 0 {
            return Err(Asn1Error::Malformed(
                "indefinite length on a primitive element",
            ));
        }
        return Ok((tag, 2, None));
    }
    let n = (first & 0x7f) as usize;
    if n > 4 {
        return Err(Asn1Error::Malformed("length too large"));
    }
    let bytes = input
        .get(2..2 + n)
        .ok_or(Asn1Error::Malformed("truncated length"))?;
    let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
    Ok((tag, 2 + n, Some(len)))
}

/// Reads one definite-length element, returning it and the rest of the input.
pub fn read_der(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), Asn1Error> {
    let (tag, hl, len) = read_header(input)?;
    let len = len.ok_or(Asn1Error::Malformed(
        "indefinite length where DER is required",
    ))?;
    let end = hl
        .checked_add(len)
        .ok_or(Asn1Error::Malformed("length overflow"))?;
    if input.len() < end {
        return Err(Asn1Error::Malformed("element longer than its input"));
    }
    Ok((
        Tlv {
            tag,
            raw: &input[..end],
            value: &input[hl..end],
        },
        &input[end..],
    ))
}

/// Parses a single definite-length element that must span all of `input`.
pub fn parse_one(input: &[u8]) -> Result<Tlv<'_>, Asn1Error> {
    let (tlv, rest) = read_der(input)?;
    if !rest.is_empty() {
        return Err(Asn1Error::Malformed("trailing data after element"));
    }
    Ok(tlv)
}

fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// The identifier and DER length octets of an element of `len` content octets.
pub fn encode_header(tag: u8, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    push_header(&mut out, tag, len);
    out
}

/// Encodes one definite-length element: `tag`, DER length, `body`.
pub fn encode_tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 10);
    push_header(&mut out, tag, body.len());
    out.extend_from_slice(body);
    out
}

/// An element decoded from BER, held as a tree until it is re-encoded.
enum Node {
    Primitive(u8, Vec<u8>),
    Constructed(u8, Vec<Node>),
}

fn parse_ber(input: &[u8], depth: usize, budget: &mut usize) -> Result<(Node, usize), Asn1Error> {
    if depth > MAX_DEPTH {
        return Err(Asn1Error::TooDeep);
    }
    *budget = budget.checked_sub(1).ok_or(Asn1Error::TooManyElements)?;
    let (tag, hl, len) = read_header(input)?;
    let body = &input[hl..];
    if tag & 0x20 == 0 {
        let len = len.ok_or(Asn1Error::Malformed("indefinite primitive"))?;
        let value = body
            .get(..len)
            .ok_or(Asn1Error::Malformed("element longer than its input"))?;
        return Ok((Node::Primitive(tag, value.to_vec()), hl + len));
    }
    let mut children = Vec::new();
    match len {
        Some(len) => {
            let mut inner = body
                .get(..len)
                .ok_or(Asn1Error::Malformed("element longer than its input"))?;
            while !inner.is_empty() {
                let (child, used) = parse_ber(inner, depth + 1, budget)?;
                children.push(child);
                inner = &inner[used..];
            }
            Ok((Node::Constructed(tag, children), hl + len))
        }
        None => {
            let mut pos = 0usize;
            loop {
                let rest = body
                    .get(pos..)
                    .ok_or(Asn1Error::Malformed("missing end-of-contents"))?;
                if rest.len() < 2 {
                    return Err(Asn1Error::Malformed("missing end-of-contents"));
                }
                if rest[0] == 0 && rest[1] == 0 {
                    pos += 2;
                    break;
                }
                let (child, used) = parse_ber(rest, depth + 1, budget)?;
                children.push(child);
                pos += used;
            }
            Ok((Node::Constructed(tag, children), hl + pos))
        }
    }
}

/// Concatenates the chunks of a constructed string (X.690 §8.7.3), recursively.
fn flatten_string(children: &[Node], out: &mut Vec<u8>) -> Result<(), Asn1Error> {
    for c in children {
        match c {
            Node::Primitive(0x04, v) => out.extend_from_slice(v),
            Node::Constructed(0x24, cs) => flatten_string(cs, out)?,
            _ => {
                return Err(Asn1Error::Malformed(
                    "unexpected chunk in constructed string",
                ));
            }
        }
    }
    Ok(())
}

fn encode_node(node: &Node, out: &mut Vec<u8>) -> Result<(), Asn1Error> {
    match node {
        Node::Primitive(tag, v) => {
            push_header(out, *tag, v.len());
            out.extend_from_slice(v);
        }
        Node::Constructed(0x24, cs) => {
            let mut v = Vec::new();
            flatten_string(cs, &mut v)?;
            push_header(out, 0x04, v.len());
            out.extend_from_slice(&v);
        }
        Node::Constructed(tag, cs) => {
            // EncryptedContentInfo ::= SEQUENCE { OID, AlgorithmIdentifier, [0] IMPLICIT OCTET
            // STRING }: a constructed [0] in third place is a chunked IMPLICIT OCTET STRING.
            // Anything else shaped so (valid DER such as `[0] EXPLICIT SEQUENCE`) stays as is.
            let is_eci = *tag == 0x30
                && cs.len() == 3
                && matches!(cs[0], Node::Primitive(0x06, _))
                && matches!(cs[1], Node::Constructed(0x30, _));
            let mut body = Vec::new();
            for (i, c) in cs.iter().enumerate() {
                let mut v = Vec::new();
                match c {
                    Node::Constructed(0xa0, chunks)
                        if is_eci && i == 2 && flatten_string(chunks, &mut v).is_ok() =>
                    {
                        push_header(&mut body, 0x80, v.len());
                        body.extend_from_slice(&v);
                    }
                    other => encode_node(other, &mut body)?,
                }
            }
            push_header(out, *tag, body.len());
            out.extend_from_slice(&body);
        }
    }
    Ok(())
}

/// The first element inside a constructed element (definite or indefinite length), without
/// reading the rest: e.g. the content type OID of a ContentInfo of any size.
pub fn first_child(input: &[u8]) -> Result<Tlv<'_>, Asn1Error> {
    let (tag, hl, _) = read_header(input)?;
    if tag & 0x20 == 0 {
        return Err(Asn1Error::Malformed("not a constructed element"));
    }
    Ok(read_der(&input[hl..])?.0)
}

fn minimal_header_len(len: usize) -> usize {
    if len < 0x80 {
        2
    } else {
        2 + (usize::BITS as usize / 8 - len.leading_zeros() as usize / 8)
    }
}

/// Whether `input` (a run of elements) is already exactly what [`ber_to_der`] would write:
/// definite, minimal lengths, no chunked strings, nothing shaped like a chunked
/// EncryptedContentInfo. Borrows only; bounded by [`MAX_DEPTH`].
fn der_shaped(input: &[u8], depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let mut rest = input;
    while !rest.is_empty() {
        let Ok((tag, hl, Some(len))) = read_header(rest) else {
            return false;
        };
        let Some(end) = hl.checked_add(len).filter(|e| *e <= rest.len()) else {
            return false;
        };
        if hl != minimal_header_len(len) || tag == 0x24 {
            return false;
        }
        if tag & 0x20 != 0 {
            let body = &rest[hl..end];
            if tag == 0x30 && eci_shaped(body) || !der_shaped(body, depth + 1) {
                return false;
            }
        }
        rest = &rest[end..];
    }
    true
}

/// `OID, SEQUENCE, constructed [0]` and nothing else: left to the full rewrite.
fn eci_shaped(body: &[u8]) -> bool {
    let tags: Vec<u8> = TlvIter { rest: body }
        .take(4)
        .map(|t| t.map(|t| t.tag).unwrap_or(0))
        .collect();
    tags == [0x06, 0x30, 0xa0]
}

/// Rewrites BER (indefinite lengths, chunked strings) into DER-shaped lengths. SET ordering is
/// left as received. Input that is already definite-length comes back unchanged.
pub fn ber_to_der(input: &[u8]) -> Result<Vec<u8>, Asn1Error> {
    ber_to_der_cow(input).map(std::borrow::Cow::into_owned)
}

/// [`ber_to_der`] that borrows the input when it is DER-shaped already (the common case: our
/// own and OpenSSL's output), so a large object is not copied just to be read.
pub fn ber_to_der_cow(input: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, Asn1Error> {
    if let Ok((_, hl, Some(len))) = read_header(input)
        && hl.checked_add(len) == Some(input.len())
        && der_shaped(input, 0)
    {
        return Ok(std::borrow::Cow::Borrowed(input));
    }
    rewrite_ber(input).map(std::borrow::Cow::Owned)
}

fn rewrite_ber(input: &[u8]) -> Result<Vec<u8>, Asn1Error> {
    let mut budget = MAX_BER_ELEMENTS;
    let (node, used) = parse_ber(input, 0, &mut budget)?;
    if input[used..].iter().any(|b| *b != 0) {
        return Err(Asn1Error::Malformed("trailing data after element"));
    }
    let mut out = Vec::with_capacity(input.len());
    encode_node(&node, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {

    #[test]
    fn ber_with_millions_of_tiny_elements_is_refused() {
        let mut ber = vec![0x30, 0x80];
        for _ in 0..MAX_BER_ELEMENTS {
            ber.extend_from_slice(&[0x05, 0x00]);
        }
        ber.extend_from_slice(&[0, 0]);
        assert_eq!(ber_to_der(&ber), Err(Asn1Error::TooManyElements));
        // one element fewer (the SEQUENCE itself counts) is fine
        let ok = [&ber[..ber.len() - 4], &[0, 0]].concat();
        assert!(ber_to_der(&ok).is_ok());
    }
    use super::*;

    #[test]
    fn indefinite_sequence_and_chunked_octets() {
        // SEQUENCE (indef) { OCTET STRING (constructed, indef) { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x00,
            0x00,
        ];
        let der = ber_to_der(&ber).unwrap();
        assert_eq!(der, vec![0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
    }

    #[test]
    fn encrypted_content_info_implicit_chunks() {
        let ber = [
            0x30, 0x80, 0x06, 0x01, 0x2a, 0x30, 0x00, 0xa0, 0x80, 0x04, 0x01, 1, 0x04, 0x01, 2,
            0x00, 0x00, 0x00, 0x00,
        ];
        let der = ber_to_der(&ber).unwrap();
        assert_eq!(
            der,
            vec![0x30, 0x09, 0x06, 0x01, 0x2a, 0x30, 0x00, 0x80, 0x02, 1, 2]
        );
    }

    #[test]
    fn explicit_non_string_in_eci_position_is_kept() {
        // SEQUENCE { OID, SEQUENCE {}, [0] { SEQUENCE { NULL } } } is valid DER, not a chunked
        // EncryptedContentInfo: it must come back unchanged (found by tests/props.rs).
        let der = [
            0x30, 0x0b, 0x06, 0x01, 0x2a, 0x30, 0x00, 0xa0, 0x04, 0x30, 0x02, 0x05, 0x00,
        ];
        assert_eq!(ber_to_der(&der).unwrap(), der.to_vec());
    }

    #[test]
    fn hostile_inputs_error_without_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x80],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x04, 0x80, 0, 0],
            &[0x30, 0x05, 0x04, 0x10],
            &[0x1f, 0x01, 0x00],
        ] {
            assert!(ber_to_der(bad).is_err(), "{bad:?}");
        }
        let mut deep = Vec::new();
        for _ in 0..200 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert_eq!(ber_to_der(&deep), Err(Asn1Error::TooDeep));
    }

    #[test]
    fn definite_input_is_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0x07];
        assert_eq!(ber_to_der(&der).unwrap(), der.to_vec());
        let t = parse_one(&der).unwrap();
        let kids: Vec<_> = t.children().collect::<Result<_, _>>().unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[1].value, &[7]);
    }
}
