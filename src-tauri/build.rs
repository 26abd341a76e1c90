//! The app's build: Tauri's code generation, with an app manifest that gives every command of
//! the shell its own permission (`allow-<command>`). With the manifest, a command is reachable
//! from a window only when a capability grants it: the `main` capability in `tauri.conf.json`
//! grants exactly these to the main window, and nothing to any other webview.
//! `tests/ipc_contract.rs` checks this list against `generate_handler!` and the capability.

/// Every command the shell registers.
const COMMANDS: &[&str] = &[
    "app_status",
    "choose_files",
    "choose_save_path",
    "list_certificates",
    "certificate_details",
    "import_files",
    "export_certificate",
    "trust_certificate",
    "untrust_certificate",
    "delete_certificate",
    "open_message",
    "save_attachment",
    "recipient_status",
    "compose_message",
    "use_file_keystore",
    "unlock_keystore",
    "use_os_keystore",
    "revocation_mode",
    "set_revocation_mode",
    "refresh_revocation",
    "create_ca",
    "issue_certificate",
    "revoke_certificate",
    "publish_crl",
    "check_certificate",
    "accept_certificate",
    "mail_accounts",
    "mail_add_account",
    "mail_remove_account",
    "mail_test_settings",
    "mail_test_account",
    "mail_folders",
    "mail_sync",
    "mail_list",
    "mail_search",
    "mail_read",
    "mail_set_flag",
    "mail_move",
    "mail_delete",
    "mail_send",
    "mail_open_draft",
    "mail_save_draft",
    "mail_discard_draft",
    "mail_update_account",
    "mail_test_change",
    "mail_request_certificates",
    "mail_outbox",
    "mail_retry",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    let attributes = tauri_build::Attributes::new().app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("the Tauri build step failed: {e:#}");
    }
}
