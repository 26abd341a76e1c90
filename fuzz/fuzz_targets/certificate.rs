//! Certificate files (PEM, DER, PKCS#7 certs-only) and everything shown from a certificate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealpost::pki::{self, cert::Cert};

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Cert::from_der(data) {
        let _ = (c.subject(), c.issuer(), c.emails(), c.fingerprint(), c.serial_hex());
        let _ = (c.common_name(), c.not_before(), c.subject_key_id(), c.spki_der());
    }
    if let Ok(certs) = pki::parse_certificates(data) {
        for c in certs {
            let _ = (c.subject(), c.emails());
        }
    }
});
