//! Whole messages: MIME parsing, multipart/signed splitting, base64, and the CMS layers below
//! (smime::open) must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealpost::smime::{self, mime};

fuzz_target!(|data: &[u8]| {
    let _ = mime::Entity::parse(data);
    let _ = smime::split_message(data);
    let _ = smime::open(data, &[], &[]);
});
