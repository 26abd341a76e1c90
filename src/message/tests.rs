//! Tests of building, viewing and sanitising messages.

use super::build::*;
use super::html::*;
use super::view::*;
use super::*;

#[test]
fn styles_are_allow_listed_and_mailto_keeps_only_the_address() {
    assert_eq!(
        clean_style("color: red; background-color: rgb(1, 2, 3)", false).as_deref(),
        Some("color:red;background-color:rgb(1, 2, 3)")
    );
    for css in [
        "background:u\\72 l(http://x.test/)",
        "background-image:image-set(\"http://x.test/\" 1x)",
        "color: red /* */",
        "width: expression(alert(1))",
        "color: var(--x)",
    ] {
        assert_eq!(clean_style(css, false), None, "{css}");
    }
    // what we send (and what a draft puts back into the editor) cannot position itself
    assert_eq!(
        clean_style(
            "position:fixed; top:0; z-index:9; width:100%; color:red",
            true
        )
        .as_deref(),
        Some("color:red")
    );
    assert_eq!(
        mailto_without_query("mailto:a@x.test?body=SECRET&attach=/etc/passwd"),
        "mailto:a@x.test"
    );
    assert_eq!(mailto_without_query("MAILTO:a@x.test#x"), "MAILTO:a@x.test");
    assert_eq!(mailto_without_query("#top"), "#top");
    let out = sanitize_html("<a href=\"mailto:evil@x.test?body=secret\">m</a>");
    assert!(
        out.contains("href=\"mailto:evil@x.test\"") && !out.contains("secret"),
        "{out}"
    );
}

#[test]
fn sanitizer_removes_active_and_remote_content() {
    let dirty = r#"<html><head><title>x</title><meta http-equiv="refresh" content="0;url=https://evil.test/"></head>
<body onload="steal()"><p style="color:red">Hi <b>there</b></p>
<script>alert(1)</script><img src="https://evil.test/pixel.gif" alt="pixel">
<img src="data:image/png;base64,AAAA"><a href="https://evil.test/x">link</a>
<a href=mailto:bob@example.test>mail</a><div style="background:url(https://evil.test/b)">bg</div>
<iframe src="https://evil.test"></iframe><form action="https://evil.test"><input name=a></form>
<img src="http://evil.test/a.png
</body></html>"#;
    let clean = sanitize_html(dirty);
    // The link's address is shown as text after it, and nothing else of evil.test stays.
    let shown = "<a>link</a><span style=\"color:#57606a\"> (https://evil.test/x)</span>";
    assert!(clean.contains(shown), "{clean}");
    let clean = clean.replace(shown, "");
    assert!(!clean.contains("evil"), "{clean}");
    assert!(!clean.contains("script"), "{clean}");
    assert!(!clean.contains("onload"), "{clean}");
    assert!(!clean.contains("refresh"), "{clean}");
    assert!(
        clean.contains("<p style=\"color:red\">Hi <b>there</b></p>"),
        "{clean}"
    );
    assert!(
        clean.contains("src=\"data:image/png;base64,AAAA\""),
        "{clean}"
    );
    assert!(
        clean.contains("href=\"mailto:bob@example.test\""),
        "{clean}"
    );
}

#[test]
fn build_and_view_round_trip() {
    let draft = Draft {
        from: "alice@example.test".into(),
        to: vec!["bob@example.test".into()],
        cc: vec![" ".into(), "carol@example.test".into()],
        bcc: vec![],
        subject: "Quarterly ✓".into(),
        body: "Line one\nLine two — ünïcode\n".into(),
        html: None,
        attachments: vec![],
        sign: false,
        encrypt: false,
    };
    let files = vec![("report.pdf".to_string(), vec![0u8, 1, 2, 255])];
    let raw = build(&draft, &files, 1_790_000_000).unwrap();
    let (h, text, html, att) = view(&raw).unwrap();
    assert_eq!(h.from, "alice@example.test");
    assert_eq!(h.to, "bob@example.test");
    assert_eq!(h.cc, "carol@example.test");
    assert_eq!(h.subject, "Quarterly ✓");
    assert!(h.message_id.ends_with("@example.test"));
    assert!(text.unwrap().contains("Line two — ünïcode"));
    assert!(html.is_none());
    assert_eq!(att.len(), 1);
    assert_eq!(att[0].filename, "report.pdf");
    assert_eq!(att[0].content_type, "application/pdf");
    assert_eq!(attachment(&raw, 0).unwrap(), vec![0u8, 1, 2, 255]);
    assert_eq!(
        attachment(&raw, 1).unwrap_err(),
        MessageError::NoSuchAttachment
    );
}

#[test]
fn drafts_keep_every_field_and_the_toggles() {
    let mut draft = formatted("<p>Hello <b>Bob</b></p><ul><li>one</li></ul>");
    draft.bcc = vec!["carol@example.test".into()];
    draft.cc = vec!["dave@example.test".into()];
    draft.sign = true;
    draft.encrypt = true;
    let files = vec![("notes.txt".to_string(), b"a\nb\n".to_vec())];
    let raw = build_draft(&draft, &files, 1_790_000_000).unwrap();
    assert!(String::from_utf8_lossy(&raw).contains("X-Sealpost-Draft: sign=yes; encrypt=yes"));
    let raw = crate::smime::canonicalize(&raw);
    let got = draft_content(&raw, false, false).unwrap();
    assert_eq!(got.draft.from, "alice@example.test");
    assert_eq!(got.draft.to, vec!["bob@example.test".to_string()]);
    assert_eq!(got.draft.cc, vec!["dave@example.test".to_string()]);
    assert_eq!(got.draft.bcc, vec!["carol@example.test".to_string()]);
    assert_eq!(got.draft.subject, "Formatted ✓");
    assert_eq!(
        got.draft.html.as_deref(),
        Some("<p>Hello <b>Bob</b></p><ul><li>one</li></ul>")
    );
    assert!(got.draft.body.contains("Hello Bob"), "{}", got.draft.body);
    assert!(got.draft.sign && got.draft.encrypt);
    assert_eq!(got.carried.len(), 1);
    assert_eq!(got.carried[0].filename, "notes.txt");
    assert_eq!(attachment(&raw, 0).unwrap(), b"a\nb\n");
    assert_eq!(got.reply.in_reply_to, None);

    // A draft may have no recipient yet (a message may not), and keeps "off" toggles.
    let mut empty = formatted("x");
    empty.to.clear();
    empty.html = None;
    empty.body = "just started".into();
    assert!(build(&empty, &[], 1).is_err());
    let raw = build_draft(&empty, &[], 1).unwrap();
    let got = draft_content(&raw, true, true).unwrap();
    assert!(got.draft.to.is_empty());
    assert_eq!(got.draft.html, None);
    assert_eq!(got.draft.body.trim_end(), "just started");
    assert!(!got.draft.sign, "our header wins over how it was stored");
    assert!(
        got.draft.encrypt,
        "a draft stored encrypted never reopens with Encrypt off (draft oracle)"
    );
    assert!(!draft_content(&raw, true, false).unwrap().draft.encrypt);

    // Another client's draft: the toggles follow how it was stored; threading is kept.
    let other = b"From: a@x.test\r\nTo: b@x.test\r\nSubject: Re: hi\r\nIn-Reply-To: <p@x.test>\r\nReferences: <r@x.test> <p@x.test>\r\n\r\nbody\r\n";
    let got = draft_content(other, true, false).unwrap();
    assert!(got.draft.sign && !got.draft.encrypt);
    assert_eq!(got.reply.in_reply_to.as_deref(), Some("<p@x.test>"));
    assert_eq!(
        got.reply.references,
        vec!["<r@x.test>".to_string(), "<p@x.test>".to_string()]
    );
    // Absurd nesting is refused with a clear error.
    let deep = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n".repeat(60);
    let err = draft_content(deep.as_bytes(), false, false).unwrap_err();
    assert_eq!(err, MessageError::TooDeep { max: 40 });
}

fn formatted(html: &str) -> Draft {
    Draft {
        from: "alice@example.test".into(),
        to: vec!["bob@example.test".into()],
        cc: vec![],
        bcc: vec![],
        subject: "Formatted ✓".into(),
        body: "ignored when html is set".into(),
        html: Some(html.into()),
        attachments: vec![],
        sign: false,
        encrypt: false,
    }
}

#[test]
fn formatted_draft_is_multipart_alternative_text_first_utf8() {
    let html = "<div>Grüße, <b>Bob</b> — <i>ünïcode</i> ✓</div><ul><li>one</li><li>two</li></ul>";
    let raw = build(&formatted(html), &[], 1_790_000_000).unwrap();
    let s = String::from_utf8(raw.clone()).unwrap();
    assert!(s.contains("Content-Type: multipart/alternative"), "{s}");
    let plain_at = s
        .find("Content-Type: text/plain")
        .expect("a text/plain part");
    let html_at = s.find("Content-Type: text/html").expect("a text/html part");
    assert!(plain_at < html_at, "text/plain comes first: {s}");
    assert!(!s.contains("multipart/mixed"), "{s}");
    assert_eq!(s.matches("charset=\"utf-8\"").count(), 2, "{s}");
    let m = parse(&raw).unwrap();
    let text = m.body_text(0).unwrap();
    assert_eq!(text, "Grüße, Bob — ünïcode ✓\n\n- one\n- two\n");
    let sent_html = m.body_html(0).unwrap();
    assert!(
        sent_html.starts_with(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><div>Grüße, <b>Bob</b>"
        ),
        "{sent_html}"
    );
    assert!(sent_html.contains("<ul><li>one</li><li>two</li></ul></body></html>"));
    // Reading it back shows both (the HTML sanitised for reading).
    let (h, text, html, att) = view(&raw).unwrap();
    assert_eq!(h.subject, "Formatted ✓");
    assert!(text.unwrap().contains("- two"));
    assert!(html.unwrap().contains("<b>Bob</b>"));
    assert!(att.is_empty());
}

#[test]
fn formatted_draft_with_attachments_is_mixed_around_the_alternative() {
    let files = vec![("notes.txt".to_string(), b"n".to_vec())];
    let raw = build(&formatted("<p>See <u>notes</u></p>"), &files, 0).unwrap();
    let s = String::from_utf8(raw.clone()).unwrap();
    let mixed = s.find("Content-Type: multipart/mixed").expect("mixed");
    let alt = s
        .find("Content-Type: multipart/alternative")
        .expect("alternative");
    let att = s.find("notes.txt").expect("the attachment");
    assert!(mixed < alt && alt < att, "{s}");
    let (_, text, html, att) = view(&raw).unwrap();
    assert_eq!(text.unwrap().replace("\r\n", "\n"), "See notes\n");
    assert!(html.unwrap().contains("<u>notes</u>"));
    assert_eq!(att.len(), 1);
}

#[test]
fn outgoing_html_is_sanitised() {
    let dirty = r#"<div onclick="steal()">Hi <script>alert(1)</script><b onmouseover="x()">there</b></div>
<style>body{background:url(https://evil.test/s)}</style><img src="https://evil.test/pixel.gif">
<img src=http://evil.test/a.png><iframe src="https://evil.test/f"></iframe>
<a href="javascript:alert(1)">js</a> <a href="https://example.org/page">site</a>
<p style="background:url(https://evil.test/b)">bg</p>"#;
    let raw = build(&formatted(dirty), &[], 0).unwrap();
    let m = parse(&raw).unwrap();
    let html = m.body_html(0).unwrap();
    for bad in [
        "script",
        "onclick",
        "onmouseover",
        "evil",
        "<img",
        "javascript",
        "<style",
        "iframe",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("<b>there</b>"), "{html}");
    assert!(
        html.contains("<a href=\"https://example.org/page\">site</a>"),
        "{html}"
    );
    // Reading keeps refusing web links (EFAIL, no network): the address is only shown;
    // sending keeps the links the user wrote.
    let read = sanitize_html(&html);
    assert!(!read.contains("href=\"https://example.org"), "{read}");
    assert!(
        read.contains(
            "<a>site</a><span style=\"color:#57606a\"> (https://example.org/page)</span>"
        ),
        "{read}"
    );
    let text = m.body_text(0).unwrap();
    assert!(!text.contains("alert"), "{text}");
    assert!(text.contains("site <https://example.org/page>"), "{text}");
}

#[test]
fn a_link_shows_where_it_leads_unless_its_text_says_it() {
    let read = sanitize_html(
        r##"<a href="https://bank.example/login">https://bank.example/login</a> <a href=" https://evil.test/&quot;x">Your bank</a> <a href="#top">top</a> </a><a href="https://a.test/">un<b>closed"##,
    );
    // Text that is the address: not repeated.
    assert!(
        read.starts_with("<a>https://bank.example/login</a> <a>"),
        "{read}"
    );
    // A misleading text: the real address follows it (character references decoded,
    // then escaped again).
    assert!(
        read.contains(
            "<a>Your bank</a><span style=\"color:#57606a\"> (https://evil.test/&quot;x)</span>"
        ),
        "{read}"
    );
    // In-message anchors keep working; stray and unclosed tags do no harm.
    assert!(read.contains("<a href=\"#top\">top</a>"), "{read}");
    // Links do not nest: a new one ends the open one, whose address is shown then.
    let read = sanitize_html(r#"<a href="https://a.test/">one<a href="https://b.test/">two</a>"#);
    assert_eq!(
        read,
        "<a>one<span style=\"color:#57606a\"> (https://a.test/)</span><a>two</a><span style=\"color:#57606a\"> (https://b.test/)</span>"
    );
    assert_eq!(
        html_to_text(r#"<a href="https://a.test/">one<a href="https://b.test/">two</a>"#),
        "one <https://a.test/>two <https://b.test/>\n"
    );
    assert!(!read.contains("href=\"https"), "{read}");
}

#[test]
fn empty_formatted_body_falls_back_to_plain_text() {
    let mut d = formatted("<script>x</script>");
    d.body = "plain".into();
    let s = String::from_utf8(build(&d, &[], 0).unwrap()).unwrap();
    assert!(!s.contains("multipart/alternative"), "{s}");
    assert!(s.contains("plain"), "{s}");
}

#[test]
fn plain_alternative_reads_like_the_formatted_text() {
    let cases: &[(&str, &str)] = &[
        ("Hello", "Hello\n"),
        ("a<br>b<br><br>c", "a\nb\n\nc\n"),
        // what contenteditable writes for Enter, and for an empty line
        (
            "first<div>second</div><div><br></div><div>fourth</div>",
            "first\nsecond\n\nfourth\n",
        ),
        ("<p>One</p><p>Two  \n  words</p>", "One\n\nTwo words\n"),
        ("<ul><li>milk</li><li>eggs</li></ul>", "- milk\n- eggs\n"),
        (
            "Intro<ol><li>one</li><li>two</li></ol>After",
            "Intro\n\n1. one\n2. two\n\nAfter\n",
        ),
        (
            "<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>",
            "- a\n   - a1\n- b\n",
        ),
        (
            "See <a href=\"https://example.org/x?a=1&amp;b=2\">the page</a>.",
            "See the page <https://example.org/x?a=1&b=2>.\n",
        ),
        (
            "<a href=\"https://example.org/\">https://example.org/</a>",
            "https://example.org/\n",
        ),
        (
            "<a href=\"mailto:bob@example.test\">Bob</a>",
            "Bob <bob@example.test>\n",
        ),
        (
            "<ul><li><a href=\"https://e.test/\">e</a></li></ul>",
            "- e <https://e.test/>\n",
        ),
        (
            "Bob wrote:<blockquote>Hi<br>there<p>para</p></blockquote>Thanks",
            "Bob wrote:\n\n> Hi\n> there\n>\n> para\n\nThanks\n",
        ),
        (
            "<blockquote>outer<blockquote>inner</blockquote></blockquote>",
            "> outer\n>\n> > inner\n",
        ),
        (
            "<b>bold</b> <i>it</i>&nbsp;&nbsp;x &lt;tag&gt; &#233;&#x263A;",
            "bold it  x <tag> é☺\n",
        ),
        ("<pre>  code\n    indented</pre>", "  code\n    indented\n"),
        ("a<script>hidden</script>b<style>p{}</style>", "ab\n"),
        ("em\u{2003}space", "em\u{2003}space\n"),
    ];
    for (html, want) in cases {
        assert_eq!(html_to_text(html), *want, "for {html:?}");
    }
}

#[test]
fn bcc_alone_is_a_recipient_and_is_written_for_the_sender() {
    let draft = Draft {
        from: "alice@example.test".into(),
        to: vec![],
        cc: vec![],
        bcc: vec!["carol@example.test".into()],
        subject: "s".into(),
        body: "b".into(),
        html: None,
        attachments: vec![],
        sign: false,
        encrypt: false,
    };
    let raw = String::from_utf8(build(&draft, &[], 0).unwrap()).unwrap();
    assert!(raw.contains("Bcc: <carol@example.test>\r\n"), "{raw}");
    let mut bad = draft.clone();
    bad.bcc = vec!["carol".into()];
    assert_eq!(
        build(&bad, &[], 0).unwrap_err(),
        MessageError::NotAnAddress("carol".into())
    );
}

#[test]
fn build_refuses_bad_addresses() {
    let mut draft = Draft {
        from: "alice@example.test".into(),
        to: vec!["not an address".into()],
        cc: vec![],
        bcc: vec![],
        subject: String::new(),
        body: String::new(),
        html: None,
        attachments: vec![],
        sign: false,
        encrypt: false,
    };
    assert_eq!(
        build(&draft, &[], 0).unwrap_err(),
        MessageError::NotAnAddress("not an address".into())
    );
    draft.to.clear();
    assert_eq!(
        build(&draft, &[], 0).unwrap_err(),
        MessageError::NoRecipient
    );
}

#[test]
fn deep_nesting_is_refused() {
    let mut raw = String::new();
    for i in 0..60 {
        raw.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
        ));
    }
    assert_eq!(
        view(raw.as_bytes()).unwrap_err(),
        MessageError::TooDeep { max: 40 }
    );
}
