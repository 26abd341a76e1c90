//! Revocation at the use-case level: the status every certificate view shows, the verdict a
//! signature or a recipient gets, the explicit refresh that fetches CRLs and OCSP answers, and
//! CRLs imported by hand.
//!
//! Verdicts read only the cache (store): opening a message never touches the network, because
//! a fetch there would be a read receipt (security.md §1, EFAIL backchannels). Fetching is
//! split in three steps so the app can hold its session lock only around the first and the
//! last: [`Home::revocation_plan`] (store), [`fetch`] (network, no store), and
//! [`Home::store_fetched`] (verify against the issuer, then cache).
//!
//! The internal CA's own revocations are the user's own decisions, not a published status:
//! they apply in every mode, "off" included.

use crate::api::json::*;
use crate::api::{ApiError, ErrorCode, Home};
use crate::pki::cert::{Cert, rfc3339};
use crate::pki::revocation::crl::{Crl, MAX_CRL_BYTES};
use crate::pki::revocation::ocsp::{self, MAX_RESPONSE_BYTES};
use crate::pki::revocation::{self, CertStatus, RevocationError, SKEW_SECS};
use crate::pki::validate::{self, TrustContext};
use crate::smime::{Layer, Opened};
use crate::store::{CachedCrl, CachedOcsp, RevocationMode};

impl RevocationInfo {
    fn simple(state: RevocationState, text: &str) -> RevocationInfo {
        RevocationInfo {
            state,
            text: text.into(),
            source: None,
            checked_at: None,
            revoked_at: None,
            reason: None,
        }
    }

    fn good(source: &str, checked: u64) -> RevocationInfo {
        RevocationInfo {
            state: RevocationState::Good,
            text: format!("Not revoked (checked {} via {source})", day(checked)),
            source: Some(source.into()),
            checked_at: Some(rfc3339(checked)),
            revoked_at: None,
            reason: None,
        }
    }

    fn revoked(source: &str, checked: Option<u64>, at: u64, reason: Option<u32>) -> RevocationInfo {
        let reason_words = reason.map(revocation::reason_label);
        let by = if source == "your CA" {
            "by your CA ".to_string()
        } else {
            String::new()
        };
        RevocationInfo {
            state: RevocationState::Revoked,
            text: format!(
                "Revoked {by}on {}{}",
                day(at),
                reason_words.map(|r| format!(" ({r})")).unwrap_or_default()
            ) + &if by.is_empty() {
                format!(", according to the {source}")
            } else {
                String::new()
            },
            source: Some(source.into()),
            checked_at: checked.map(rfc3339),
            revoked_at: Some(rfc3339(at)),
            reason: reason_words.map(str::to_string),
        }
    }

    /// Why the certificate must not be relied on in `mode`: the report status and reason.
    pub fn problem(&self, mode: RevocationMode) -> Option<(&'static str, String)> {
        match self.state {
            RevocationState::Revoked => Some(("revoked", lower_first(&self.text))),
            RevocationState::Good | RevocationState::Off => None,
            _ if mode == RevocationMode::Required => Some((
                "revocation-unknown",
                format!(
                    "revocation checking is required and there is no current answer: {}",
                    lower_first(&self.text)
                ),
            )),
            _ => None,
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn day(secs: u64) -> String {
    rfc3339(secs).chars().take(10).collect()
}

/// What one cached source (an OCSP answer or a CRL) says about a certificate.
enum Answer {
    Revoked(RevocationInfo),
    Good(RevocationInfo),
    /// The OCSP responder does not know the certificate.
    Unknown,
    /// The answer is past its validity.
    Stale,
    /// No answer is cached.
    None,
}

/// An answer issued `this_update` and valid until `until` is current at `at` (with the
/// clock skew allowed for its issue time).
fn fresh_at(at: u64, this_update: u64, until: u64) -> bool {
    this_update <= at.saturating_add(SKEW_SECS) && at <= until
}

/// Makes the requests of a plan. Touches nothing but the network: call it without holding
/// any lock on the home.
pub fn fetch(plan: RevocationPlan) -> Vec<Fetched> {
    let mut out = Vec::new();
    for job in plan.jobs {
        match &job {
            FetchJob::Crl { url, .. } => {
                let body = crate::net::http::get(url, MAX_CRL_BYTES).map_err(|e| e.to_string());
                out.push(Fetched {
                    url: url.clone(),
                    job,
                    nonce: None,
                    body,
                });
            }
            FetchJob::Ocsp { urls, cert, issuer } => {
                let req = match ocsp::build_request(cert, issuer, true) {
                    Ok(r) => r,
                    Err(e) => {
                        out.push(Fetched {
                            url: urls.first().cloned().unwrap_or_default(),
                            job: job.clone(),
                            nonce: None,
                            body: Err(e.to_string()),
                        });
                        continue;
                    }
                };
                let mut last: Result<Vec<u8>, String> = Err("no responder URL".into());
                let mut used = String::new();
                for u in urls {
                    used = u.clone();
                    last = crate::net::http::post_ocsp(u, &req.der, MAX_RESPONSE_BYTES)
                        .map_err(|e| e.to_string());
                    if last.is_ok() {
                        break;
                    }
                }
                out.push(Fetched {
                    url: used,
                    job: job.clone(),
                    nonce: req.nonce,
                    body: last,
                });
            }
        }
    }
    out
}

/// When revocation data is refreshed in the background: shortly after start, then every few
/// hours (CRLs are typically current for days, OCSP answers for hours to a week).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshSchedule {
    pub first: std::time::Duration,
    pub every: std::time::Duration,
}

impl Default for RefreshSchedule {
    fn default() -> Self {
        RefreshSchedule {
            first: std::time::Duration::from_secs(30),
            every: std::time::Duration::from_secs(4 * 3600),
        }
    }
}

/// One refresh in three steps: `plan` and `store` run under whatever lock the caller holds on
/// the home, the fetching in between holds none (it may take a minute).
pub fn refresh_once(
    plan: impl FnOnce() -> Result<RevocationPlan, ApiError>,
    store: impl FnOnce(Vec<Fetched>) -> Result<RevocationRefresh, ApiError>,
) -> Result<RevocationRefresh, ApiError> {
    let plan = plan()?;
    store(fetch(plan))
}

/// Refreshes on `schedule` until `report`, told each outcome, says to stop (the app's timer,
/// `sealpost cert refresh --every`).
pub fn refresh_repeatedly(
    schedule: RefreshSchedule,
    plan: impl Fn() -> Result<RevocationPlan, ApiError>,
    store: impl Fn(Vec<Fetched>) -> Result<RevocationRefresh, ApiError>,
    mut report: impl FnMut(Result<RevocationRefresh, ApiError>) -> bool,
) {
    std::thread::sleep(schedule.first);
    while report(refresh_once(&plan, &store)) {
        std::thread::sleep(schedule.every);
    }
}

impl Home {
    pub fn revocation_mode(&self) -> Result<RevocationMode, ApiError> {
        Ok(self.store.revocation_mode()?)
    }

    pub fn set_revocation_mode(&self, mode: RevocationMode) -> Result<RevocationMode, ApiError> {
        self.store.set_revocation_mode(mode)?;
        Ok(mode)
    }

    /// The issuer of `cert` among `pool` (its signature verifies), if any.
    pub(crate) fn issuer_in<'a>(cert: &Cert, pool: &'a [Cert]) -> Option<&'a Cert> {
        if cert.is_self_issued() {
            return None;
        }
        pool.iter().find(|c| {
            c.subject_der() == cert.issuer_der()
                && *c != cert
                && validate::issued_by(cert, c).is_ok()
        })
    }

    /// The revocation status of `cert` now, its issuer looked up in this home.
    pub fn revocation_info(&self, cert: &Cert) -> Result<RevocationInfo, ApiError> {
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let mode = self.store.revocation_mode()?;
        self.revocation_info_in(cert, Self::issuer_in(cert, &pool), mode, self.now())
    }

    /// The revocation status of `cert` issued by `issuer` at `at`, from the cache only.
    pub(crate) fn revocation_info_in(
        &self,
        cert: &Cert,
        issuer: Option<&Cert>,
        mode: RevocationMode,
        at: u64,
    ) -> Result<RevocationInfo, ApiError> {
        self.revocation_info_depth(cert, issuer, mode, at, 0)
    }

    /// A CRL for `cert` signed by a separate CRL-signing certificate under its issuer's name
    /// (RFC 5280 §6.3.3 (f), PKITS 4.4.19): used only when that certificate has its own
    /// valid path to a trusted anchor and nothing on that path has a revocation problem.
    fn crl_from_separate_signer(
        &self,
        cert: &Cert,
        issuer: Option<&Cert>,
        mode: RevocationMode,
        at: u64,
        depth: u32,
    ) -> Result<Option<crate::store::CachedCrl>, ApiError> {
        if depth >= 2 {
            return Ok(None);
        }
        // Only certificates with a cached CRL can be such a signer: look at those first, and
        // load the whole store (for their paths) only when one of them has the issuer's name.
        let mut signers: Vec<Cert> = Vec::new();
        for fp in self.store.crl_signers()? {
            for stored in self.store.by_fingerprint_prefix(&fp)? {
                let c = stored.cert;
                if c.fingerprint() == fp
                    && c.subject_der() == cert.issuer_der()
                    && Some(&c) != issuer
                    && &c != cert
                {
                    signers.push(c);
                }
            }
        }
        if signers.is_empty() {
            return Ok(None);
        }
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let anchors = self.store.anchors()?;
        for signer in &signers {
            let Some(cached) = self.store.crl_of(&signer.fingerprint())? else {
                continue;
            };
            let ctx = TrustContext::new(&anchors, &pool, at);
            let Ok(path) = validate::validate_path(signer, &ctx) else {
                continue;
            };
            let mut sound = true;
            for (i, c) in path.certs[..path.certs.len().saturating_sub(1)]
                .iter()
                .enumerate()
            {
                let info =
                    self.revocation_info_depth(c, path.certs.get(i + 1), mode, at, depth + 1)?;
                if info.problem(mode).is_some() {
                    sound = false;
                    break;
                }
            }
            if sound {
                return Ok(Some(cached));
            }
        }
        Ok(None)
    }

    fn revocation_info_depth(
        &self,
        cert: &Cert,
        issuer: Option<&Cert>,
        mode: RevocationMode,
        at: u64,
        depth: u32,
    ) -> Result<RevocationInfo, ApiError> {
        if let Some(settled) = self.revocation_settled(cert, mode, at)? {
            return Ok(settled);
        }
        let ocsp = self.ocsp_answer(cert, at)?;
        if let Answer::Revoked(r) = ocsp {
            return Ok(r); // a revocation stays a revocation after the answer expires
        }
        let crl = self.crl_answer(cert, issuer, mode, at, depth)?;
        Ok(match (ocsp, crl) {
            (_, Answer::Revoked(r)) => r,
            (Answer::Good(g), _) | (_, Answer::Good(g)) => g,
            (Answer::Unknown, _) => RevocationInfo {
                source: Some("OCSP".into()),
                ..RevocationInfo::simple(
                    RevocationState::Unknown,
                    "The OCSP responder does not know this certificate",
                )
            },
            (Answer::Stale, _) | (_, Answer::Stale) => RevocationInfo::simple(
                RevocationState::Stale,
                "The last revocation answer has expired; refresh to check again",
            ),
            _ if revocation::crl_urls(cert).is_empty()
                && revocation::ocsp_urls(cert).is_empty() =>
            {
                RevocationInfo::simple(
                    RevocationState::NoInformation,
                    "No revocation information published",
                )
            }
            _ => RevocationInfo::simple(RevocationState::NotChecked, "Not checked yet"),
        })
    }

    /// What is known without any CRL or OCSP answer: this home's CA knows for certain,
    /// checking may be off, and a root's trust is the user's decision.
    fn revocation_settled(
        &self,
        cert: &Cert,
        mode: RevocationMode,
        at: u64,
    ) -> Result<Option<RevocationInfo>, ApiError> {
        if let Some(rec) = self.store.issued(&cert.fingerprint())? {
            return Ok(Some(match rec.revoked_at {
                Some(t) => {
                    RevocationInfo::revoked("your CA", None, t, Some(rec.reason.unwrap_or(0)))
                }
                None => RevocationInfo {
                    text: "Not revoked (issued by your CA)".into(),
                    ..RevocationInfo::good("your CA", at)
                },
            }));
        }
        if mode == RevocationMode::Off {
            let text = "Revocation checking is off";
            return Ok(Some(RevocationInfo::simple(RevocationState::Off, text)));
        }
        if cert.is_self_issued() {
            let text = "A root certificate: its trust is your decision, not a revocation list's";
            return Ok(Some(RevocationInfo::simple(
                RevocationState::NoInformation,
                text,
            )));
        }
        Ok(None)
    }

    /// The cached OCSP answer about `cert`.
    fn ocsp_answer(&self, cert: &Cert, at: u64) -> Result<Answer, ApiError> {
        let Some(o) = self.store.ocsp_of(&cert.fingerprint())? else {
            return Ok(Answer::None);
        };
        let fresh = fresh_at(at, o.this_update, o.valid_until);
        Ok(match o.status.as_str() {
            "revoked" => Answer::Revoked(RevocationInfo::revoked(
                "OCSP responder",
                Some(o.fetched_at),
                o.revoked_at.unwrap_or(o.this_update),
                o.reason,
            )),
            "good" if fresh => Answer::Good(RevocationInfo::good("OCSP", o.fetched_at)),
            "unknown" if fresh => Answer::Unknown,
            _ => Answer::Stale,
        })
    }

    /// The cached CRL that covers `cert` (the issuer's, else one from a separate CRL signer).
    fn crl_answer(
        &self,
        cert: &Cert,
        issuer: Option<&Cert>,
        mode: RevocationMode,
        at: u64,
        depth: u32,
    ) -> Result<Answer, ApiError> {
        let cached = match issuer {
            Some(i) => self.store.crl_of(&i.fingerprint())?,
            None => None,
        };
        let cached = match cached {
            Some(c) => Some(c),
            None => self.crl_from_separate_signer(cert, issuer, mode, at, depth)?,
        };
        let Some(c) = cached else {
            return Ok(Answer::None);
        };
        let Ok(crl) = Crl::from_der(&c.der) else {
            return Ok(Answer::None);
        };
        if !crl.covers(cert) {
            return Ok(Answer::None);
        }
        Ok(match crl.status_of(cert) {
            CertStatus::Revoked { at: when, reason } => Answer::Revoked(RevocationInfo::revoked(
                "CRL",
                Some(c.fetched_at),
                when,
                reason,
            )),
            _ if fresh_at(at, c.this_update, c.valid_until) => {
                Answer::Good(RevocationInfo::good("CRL", c.fetched_at))
            }
            _ => Answer::Stale,
        })
    }

    /// Why `cert` must not be used now (revoked; or, with "required", no current answer).
    pub(crate) fn revoked_note(&self, cert: &Cert) -> Result<Option<String>, ApiError> {
        let mode = self.store.revocation_mode()?;
        self.revoked_note_in(cert, mode)
    }

    /// Why one of our own identities must not sign: only a known revocation counts (the
    /// recipients check our certificate under their own rules; "required" is about relying
    /// on others' certificates, and "off" still keeps the home CA's own revocations).
    pub(crate) fn revoked_own_note(&self, cert: &Cert) -> Result<Option<String>, ApiError> {
        let mode = match self.store.revocation_mode()? {
            RevocationMode::Required => RevocationMode::WhenAvailable,
            m => m,
        };
        self.revoked_note_in(cert, mode)
    }

    fn revoked_note_in(
        &self,
        cert: &Cert,
        mode: RevocationMode,
    ) -> Result<Option<String>, ApiError> {
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let info = self.revocation_info_in(cert, Self::issuer_in(cert, &pool), mode, self.now())?;
        Ok(info.problem(mode).map(|(_, why)| {
            if info.state == RevocationState::Revoked {
                format!("the certificate was {why}")
            } else {
                why
            }
        }))
    }

    /// Marks signatures whose signer (or an intermediate of its validated path) is revoked
    /// as "revoked", and, in "required" mode, signers without a current answer as
    /// "revocation-unknown"; the message is then not validly signed. Cache only.
    pub(crate) fn apply_revocations(
        &self,
        report: &mut Report,
        opened: &Opened,
        anchors: &[Cert],
        pool: &[Cert],
        at: u64,
    ) -> Result<(), ApiError> {
        let mode = self.store.revocation_mode()?;
        let mut any_failed = false;
        for (layer, opened_layer) in report.layers.iter_mut().zip(opened.layers.iter()) {
            let (LayerReport::Signed { signatures, .. }, Layer::Signed { verified, .. }) =
                (layer, opened_layer)
            else {
                continue;
            };
            let intermediates: Vec<Cert> = pool
                .iter()
                .chain(verified.certificates.iter())
                .cloned()
                .collect();
            for (s, signer) in signatures.iter_mut().zip(verified.signers.iter()) {
                let Some(cert) = &signer.cert else { continue };
                // Signatures already failing for a cryptographic or path reason keep it.
                if !matches!(
                    s.status,
                    SignatureStatus::Valid | SignatureStatus::MismatchedSender
                ) {
                    continue;
                }
                let ctx = TrustContext::new(anchors, &intermediates, at);
                // A validated path ends at its anchor (the user's or a built-in root), which
                // is trusted as such and not checked for revocation; each certificate before it
                // is checked against the next one, its issuer.
                let (path, checked) = match validate::validate_path(cert, &ctx) {
                    Ok(p) => {
                        let n = p.certs.len().saturating_sub(1);
                        (p.certs, n)
                    }
                    Err(_) => {
                        let mut p = vec![cert.clone()];
                        if let Some(i) = Self::issuer_in(cert, &intermediates) {
                            p.push(i.clone());
                        }
                        let n = p.len();
                        (p, n)
                    }
                };
                for (i, c) in path[..checked].iter().enumerate() {
                    if anchors.contains(c) {
                        break;
                    }
                    let info = self.revocation_info_in(c, path.get(i + 1), mode, at)?;
                    // Intermediates count only when revoked.
                    let m = if i == 0 {
                        mode
                    } else {
                        RevocationMode::WhenAvailable
                    };
                    if let Some((status, why)) = info.problem(m) {
                        s.status = SignatureStatus::named(status);
                        s.reason = if i == 0 {
                            format!("the signer's certificate: {why}")
                        } else {
                            format!("the issuing authority {}: {why}", c.subject())
                        };
                        any_failed = true;
                        break;
                    }
                }
            }
        }
        if any_failed {
            report.valid = false;
        }
        Ok(())
    }

    /// What a refresh would fetch: for every certificate still valid with a known issuer,
    /// its OCSP responder, and each distinct CRL of each issuer. Nothing when the mode is off.
    pub fn revocation_plan(&self) -> Result<RevocationPlan, ApiError> {
        let mut plan = RevocationPlan::default();
        if self.store.revocation_mode()? == RevocationMode::Off {
            return Ok(plan);
        }
        let at = self.now();
        let pool: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let mut crls: Vec<(String, String)> = Vec::new();
        for cert in &pool {
            if at > cert.not_after() || cert.is_self_issued() {
                continue;
            }
            let Some(issuer) = Self::issuer_in(cert, &pool) else {
                continue;
            };
            let urls = revocation::ocsp_urls(cert);
            if !urls.is_empty() {
                plan.jobs.push(FetchJob::Ocsp {
                    urls,
                    cert: Box::new(cert.clone()),
                    issuer: Box::new(issuer.clone()),
                });
            }
            for url in revocation::crl_urls(cert) {
                let key = (url.clone(), issuer.fingerprint());
                if !crls.contains(&key) {
                    crls.push(key);
                    plan.jobs.push(FetchJob::Crl {
                        url,
                        issuer: Box::new(issuer.clone()),
                    });
                }
            }
        }
        Ok(plan)
    }

    /// Verifies what [`fetch`] brought against each issuer and caches what verifies.
    pub fn store_fetched(&self, fetched: Vec<Fetched>) -> Result<RevocationRefresh, ApiError> {
        let at = self.now();
        let signers: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let mut sources = Vec::new();
        for f in fetched {
            let (kind, subject) = match &f.job {
                FetchJob::Crl { issuer, .. } => ("crl", issuer.subject()),
                FetchJob::Ocsp { cert, .. } => ("ocsp", cert.subject()),
            };
            let outcome: Result<String, String> = match (&f.job, f.body) {
                (_, Err(e)) => Err(e),
                (FetchJob::Crl { issuer, .. }, Ok(body)) => self
                    .accept_crl(&body, issuer, &signers, &f.url, at)
                    .map(|(crl, stored)| {
                        format!(
                            "CRL of {}, {} revoked, next update {}{}",
                            crl.issuer(),
                            crl.revoked_count(),
                            rfc3339(crl.valid_until()),
                            if stored {
                                ""
                            } else {
                                " (a newer one was already kept)"
                            }
                        )
                    }),
                (FetchJob::Ocsp { cert, issuer, .. }, Ok(body)) => {
                    match ocsp::verify_response(&body, cert, issuer, f.nonce.as_deref(), at) {
                        Ok(a) => {
                            let (status, revoked_at, reason) = match a.status {
                                CertStatus::Good => ("good", None, None),
                                CertStatus::Revoked { at, reason } => ("revoked", Some(at), reason),
                                CertStatus::Unknown => ("unknown", None, None),
                            };
                            self.store.put_ocsp(&CachedOcsp {
                                fingerprint: cert.fingerprint(),
                                url: f.url.clone(),
                                status: status.into(),
                                revoked_at,
                                reason,
                                this_update: a.this_update,
                                valid_until: a.valid_until(),
                                fetched_at: at,
                                der: body,
                            })?;
                            Ok(format!("{status}, signed by {}", a.responder))
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
            };
            sources.push(match outcome {
                Ok(detail) => RefreshSource {
                    kind: kind.into(),
                    url: f.url,
                    subject,
                    ok: true,
                    detail,
                },
                Err(detail) => RefreshSource {
                    kind: kind.into(),
                    url: f.url,
                    subject,
                    ok: false,
                    detail,
                },
            });
        }
        Ok(RevocationRefresh {
            mode: self.store.revocation_mode()?,
            sources,
            finished_at: rfc3339(self.now()),
        })
    }

    /// Fetches CRLs and OCSP answers for every certificate that publishes them and caches
    /// what verifies. The only place (with the app's timer) where revocation uses the network.
    pub fn refresh_revocation(&self) -> Result<RevocationRefresh, ApiError> {
        refresh_once(|| self.revocation_plan(), |f| self.store_fetched(f))
    }

    fn accept_crl(
        &self,
        data: &[u8],
        issuer: &Cert,
        signers: &[Cert],
        source: &str,
        at: u64,
    ) -> Result<(Crl, bool), String> {
        let crl = Crl::parse(data).map_err(|e| e.to_string())?;
        crl.verify_signature(issuer, signers)
            .map_err(|e| e.to_string())?;
        crl.check_time(at).map_err(|e| e.to_string())?;
        let stored = self
            .store
            .put_crl(&CachedCrl {
                issuer_fingerprint: issuer.fingerprint(),
                source: source.into(),
                der: crl.der().to_vec(),
                this_update: crl.this_update(),
                valid_until: crl.valid_until(),
                fetched_at: at,
            })
            .map_err(|e| e.to_string())?;
        Ok((crl, stored))
    }

    /// Imports a CRL file (DER or PEM) by hand, for offline use: it must verify against a CA
    /// certificate of this home and be current.
    pub fn import_crl(&self, name: &str, data: &[u8]) -> Result<CrlImported, ApiError> {
        let bad = |e: String| ApiError::new(ErrorCode::BadInput, format!("{name}: {e}"));
        let crl = Crl::parse(data).map_err(|e| bad(e.to_string()))?;
        let all: Vec<Cert> = self.store.all()?.into_iter().map(|s| s.cert).collect();
        let candidates: Vec<&Cert> = all
            .iter()
            .filter(|c| c.subject_der() == crl.issuer_der())
            .collect();
        if candidates.is_empty() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "{name}: the CRL is issued by {}, whose certificate is not in this home (import it first)",
                    crl.issuer()
                ),
            ));
        }
        let mut last = RevocationError::WrongIssuer { what: "CRL" };
        let at = self.now();
        for issuer in candidates {
            match crl.verify_signature(issuer, &all) {
                Ok(()) => {
                    crl.check_time(at).map_err(|e| bad(e.to_string()))?;
                    self.accept_crl(crl.der(), issuer, &all, "file", at)
                        .map_err(bad)?;
                    return Ok(CrlImported {
                        issuer: crl.issuer().to_string(),
                        issuer_fingerprint: issuer.fingerprint(),
                        this_update: rfc3339(crl.this_update()),
                        next_update: rfc3339(crl.valid_until()),
                        revoked: u32::try_from(crl.revoked_count()).unwrap_or(u32::MAX),
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(bad(last.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_follow_the_mode_and_words_are_plain() {
        let revoked = RevocationInfo::revoked("CRL", Some(1_764_300_000), 1_764_000_000, Some(1));
        assert_eq!(
            revoked.text,
            "Revoked on 2025-11-24 (key compromise), according to the CRL"
        );
        let by_ca = RevocationInfo::revoked("your CA", None, 1_764_000_000, Some(4));
        assert_eq!(by_ca.text, "Revoked by your CA on 2025-11-24 (superseded)");
        let good = RevocationInfo::good("OCSP", 1_764_300_000);
        assert_eq!(good.text, "Not revoked (checked 2025-11-28 via OCSP)");
        let unchecked = RevocationInfo::simple(RevocationState::NotChecked, "Not checked yet");
        let off = RevocationInfo::simple(RevocationState::Off, "Revocation checking is off");
        for mode in [
            RevocationMode::Off,
            RevocationMode::WhenAvailable,
            RevocationMode::Required,
        ] {
            assert_eq!(revoked.problem(mode).map(|p| p.0), Some("revoked"));
            assert_eq!(good.problem(mode), None);
            assert_eq!(off.problem(mode), None);
        }
        assert_eq!(unchecked.problem(RevocationMode::WhenAvailable), None);
        let (status, why) = unchecked
            .problem(RevocationMode::Required)
            .expect("required needs an answer");
        assert_eq!(status, "revocation-unknown");
        assert!(why.ends_with("no current answer: not checked yet"), "{why}");
    }
}
