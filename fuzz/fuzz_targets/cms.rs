//! CMS objects from outside: BER normalisation, content type, SignedData verification (opaque
//! and detached), certificate extraction and decryption attempts must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealpost::cms::{self, envelope, verify};

fuzz_target!(|data: &[u8]| {
    let _ = sealpost::asn1::ber_to_der(data);
    let _ = cms::content_type(data);
    let _ = verify::verify(data, None, &[]);
    let _ = verify::verify(data, Some(b"Content-Type: text/plain\r\n\r\nx\r\n"), &[]);
    let _ = cms::certificates_in_signed_data(data);
    let _ = envelope::recipient_count(data);
    // No key matches, but every RecipientInfo is still parsed and matched.
    let _ = envelope::decrypt(data, &[]);
});
