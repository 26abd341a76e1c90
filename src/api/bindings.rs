//! The app's IPC types for TypeScript, generated from the Rust DTOs (ts-rs). The committed
//! `ui/src/lib/ipc/types.ts` must equal what this renders; regenerate it with
//! `SEALPOST_UPDATE_BINDINGS=1 cargo test --lib api::bindings`.

use ts_rs::{Config, TS};

use super::json::*;
use super::{ApiError, ErrorCode};
use crate::keystore::KeyStoreKind;
use crate::mail::imap::SpecialUse;
use crate::mail::{MailErrorKind, TlsMode};
use crate::pki::cert::CertInfo;
use crate::pki::issue::{KeyAlgorithm, RevocationReason};
use crate::pki::validate::{AnchorInfo, AnchorSource};
use crate::smime::SignedForm;
use crate::store::mail::OutboxState;
use crate::store::{CertKind, RevocationMode};

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    if let Some(doc) = T::docs() {
        out.push_str(&doc);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push('\n');
}

fn render() -> String {
    let cfg = Config::new();
    let mut out = String::from(
        "// Generated from the Rust DTOs in src/api by `SEALPOST_UPDATE_BINDINGS=1 cargo test --lib api::bindings`.\n// Do not edit: a unit test fails when this file and the Rust types differ.\n\n",
    );
    decl::<ErrorCode>(&cfg, &mut out);
    decl::<ApiError>(&cfg, &mut out);
    decl::<CertKind>(&cfg, &mut out);
    decl::<CertInfo>(&cfg, &mut out);
    decl::<RevocationState>(&cfg, &mut out);
    decl::<RevocationInfo>(&cfg, &mut out);
    decl::<RevocationMode>(&cfg, &mut out);
    decl::<RevocationModeShown>(&cfg, &mut out);
    decl::<CrlImported>(&cfg, &mut out);
    decl::<RefreshSource>(&cfg, &mut out);
    decl::<RevocationRefresh>(&cfg, &mut out);
    decl::<CertDto>(&cfg, &mut out);
    decl::<CertListEntry>(&cfg, &mut out);
    decl::<CertShown>(&cfg, &mut out);
    decl::<ImportResult>(&cfg, &mut out);
    decl::<AnchorSource>(&cfg, &mut out);
    decl::<AnchorInfo>(&cfg, &mut out);
    decl::<TrustVerdict>(&cfg, &mut out);
    decl::<Validity>(&cfg, &mut out);
    decl::<CertDetails>(&cfg, &mut out);
    decl::<KeyStoreKind>(&cfg, &mut out);
    decl::<KeystoreStatus>(&cfg, &mut out);
    decl::<KeystoreShown>(&cfg, &mut out);
    decl::<AppStatus>(&cfg, &mut out);
    decl::<SignedForm>(&cfg, &mut out);
    decl::<SignatureStatus>(&cfg, &mut out);
    decl::<SignatureReport>(&cfg, &mut out);
    decl::<LayerReport>(&cfg, &mut out);
    decl::<Report>(&cfg, &mut out);
    decl::<MessageHeaders>(&cfg, &mut out);
    decl::<Attachment>(&cfg, &mut out);
    decl::<MessageView>(&cfg, &mut out);
    decl::<RecipientStatus>(&cfg, &mut out);
    decl::<Draft>(&cfg, &mut out);
    decl::<ComposeResult>(&cfg, &mut out);
    decl::<ExportFormat>(&cfg, &mut out);
    decl::<Progress>(&cfg, &mut out);
    decl::<CheckLevel>(&cfg, &mut out);
    decl::<CheckItem>(&cfg, &mut out);
    decl::<CheckLine>(&cfg, &mut out);
    decl::<CertCheck>(&cfg, &mut out);
    decl::<KeyAlgorithm>(&cfg, &mut out);
    decl::<RevocationReason>(&cfg, &mut out);
    decl::<CaPublication>(&cfg, &mut out);
    decl::<IssuedCert>(&cfg, &mut out);
    decl::<Revocation>(&cfg, &mut out);
    decl::<CrlEntryInfo>(&cfg, &mut out);
    decl::<CrlInfo>(&cfg, &mut out);
    decl::<CertRequest>(&cfg, &mut out);
    decl::<ExpiryNotice>(&cfg, &mut out);
    decl::<IssuedEntry>(&cfg, &mut out);
    decl::<CertChange>(&cfg, &mut out);
    decl::<HistoryEntry>(&cfg, &mut out);
    decl::<TlsMode>(&cfg, &mut out);
    decl::<MailErrorKind>(&cfg, &mut out);
    decl::<ServerSettings>(&cfg, &mut out);
    decl::<NewAccount>(&cfg, &mut out);
    decl::<AccountChange>(&cfg, &mut out);
    decl::<DraftSaved>(&cfg, &mut out);
    decl::<ServerDto>(&cfg, &mut out);
    decl::<AccountDto>(&cfg, &mut out);
    decl::<ServerCheck>(&cfg, &mut out);
    decl::<ConnectionCheck>(&cfg, &mut out);
    decl::<OutboxState>(&cfg, &mut out);
    decl::<OutboxEntry>(&cfg, &mut out);
    decl::<SendResult>(&cfg, &mut out);
    decl::<RetryOutcome>(&cfg, &mut out);
    decl::<SyncResult>(&cfg, &mut out);
    decl::<MailChanged>(&cfg, &mut out);
    decl::<SmimeKind>(&cfg, &mut out);
    decl::<CheckedVerdict>(&cfg, &mut out);
    decl::<MessageSummary>(&cfg, &mut out);
    decl::<SpecialUse>(&cfg, &mut out);
    decl::<FolderDto>(&cfg, &mut out);
    decl::<MessageFlag>(&cfg, &mut out);
    decl::<ReplyContext>(&cfg, &mut out);
    decl::<DraftView>(&cfg, &mut out);
    out
}

#[test]
fn typescript_bindings_match_the_rust_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/ipc/types.ts");
    let want = render();
    if std::env::var_os("SEALPOST_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).expect("write bindings");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with the Rust DTOs; run `SEALPOST_UPDATE_BINDINGS=1 cargo test --lib api::bindings` and commit it",
        path.display()
    );
}
