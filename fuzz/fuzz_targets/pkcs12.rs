//! PKCS#12 files from outside (BER or DER, any PBE): never a panic, whatever the password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealpost::pki::pkcs12;

fuzz_target!(|data: &[u8]| {
    let _ = pkcs12::parse(data, "secret");
    let _ = pkcs12::parse(data, "");
});
