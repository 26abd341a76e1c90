//! Whole messages: signing and encrypting ([`protect`]), opening and verifying ([`open`]), and
//! the security report of what was checked ([`report`]). The MIME building and the HTML
//! sanitiser below them are [`crate::message`].

pub mod open;
pub mod protect;
pub mod report;
