//! The pending sign-in flow and the rules a callback must pass before its code is exchanged.
//!
//! Pure state, no I/O: time comes in as an argument so the rules are tested without waiting.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::callback::{any_code, CallbackError, CallbackResult, CallbackTarget};
use super::pkce::{random_token, Pkce};
use crate::secret::Secret;

/// How long a started flow waits for its callback.
pub const FLOW_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The same callback arriving again this soon is the OS delivering it twice, not a replay.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(30);

/// A flow waiting for Glama to send the person back.
#[derive(Debug, Clone)]
pub struct PendingFlow {
    pub state: Secret,
    pub pkce: Pkce,
    pub target: CallbackTarget,
    pub started_at: SystemTime,
}

impl PendingFlow {
    pub fn new(target: CallbackTarget, now: SystemTime) -> Self {
        Self {
            state: Secret::new(random_token(16)),
            pkce: Pkce::generate(),
            target,
            started_at: now,
        }
    }

    /// The URL Glama redirects to for this flow.
    pub fn callback_url(&self) -> url::Url {
        self.target.url(self.state.expose())
    }

    /// Past its lifetime, or started further in the future than that (a start time from the
    /// keyring is not ours to trust, and would otherwise never expire).
    pub fn expired(&self, now: SystemTime) -> bool {
        let apart = match now.duration_since(self.started_at) {
            Ok(since) => since,
            Err(ahead) => ahead.duration(),
        };
        apart >= FLOW_LIFETIME
    }

    /// A form that survives a restart (kept in the keyring, never in a file), so a callback
    /// that cold-starts the app can finish the flow the previous run began.
    pub fn to_saved(&self) -> String {
        let saved = SavedFlow {
            state: self.state.expose().to_string(),
            verifier: self.pkce.verifier.expose().to_string(),
            target: self.target.clone(),
            started_at: self
                .started_at
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs(),
        };
        serde_json::to_string(&saved).expect("plain struct serializes")
    }

    /// A flow saved by [`to_saved`](Self::to_saved); `None` for anything else. The keyring is
    /// outside the app, so a start time past what the clock can hold is not a flow (adding it
    /// unchecked would panic).
    pub fn from_saved(text: &str) -> Option<Self> {
        let saved: SavedFlow = serde_json::from_str(text).ok()?;
        Some(Self {
            started_at: SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(saved.started_at))?,
            state: Secret::new(saved.state),
            pkce: Pkce::from_verifier(saved.verifier),
            target: saved.target,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct SavedFlow {
    state: String,
    verifier: String,
    target: CallbackTarget,
    started_at: u64,
}

/// A callback that passed every check.
#[derive(Debug)]
pub enum Accepted {
    /// Exchange `code` with `verifier`. The flow is over either way.
    Code { code: Secret, verifier: Secret },
    /// Glama or the person declined; the flow is over.
    Denied { error: String, description: Option<String> },
}

/// Why a callback was not acted on. Only [`Rejection::Expired`] ends the pending flow; the
/// others leave a flow in progress, and any existing connection, exactly as they were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("Ignored a sign-in link: {0}.")]
    Malformed(CallbackError),
    #[error("Ignored a sign-in link this app did not ask for (no sign-in is in progress).")]
    NoPendingFlow,
    #[error("Ignored a sign-in link that does not belong to the sign-in in progress.")]
    WrongState,
    #[error("Ignored a sign-in link whose code was already used.")]
    ReusedCode,
    #[error("The sign-in link arrived after the sign-in expired (10 minutes). Click Connect to start again.")]
    Expired,
    /// The very same callback delivered twice by the OS; handled once, nothing to tell.
    #[error("Duplicate delivery of a sign-in link.")]
    Duplicate,
}

impl Rejection {
    /// Whether the person should see this (a duplicate delivery is not news).
    pub fn is_visible(&self) -> bool {
        !matches!(self, Rejection::Duplicate)
    }
}

/// The one pending flow, and the codes already seen.
#[derive(Debug, Default)]
pub struct Flows {
    pending: Option<PendingFlow>,
    /// sha256(code) → (sha256(whole URL), when it was accepted).
    used_codes: HashMap<[u8; 32], ([u8; 32], SystemTime)>,
    /// sha256(whole URL) of the last callback accepted, and when: a denial carries no code,
    /// and the OS delivering it twice is still not news.
    last_accepted: Option<([u8; 32], SystemTime)>,
}

impl Flows {
    /// Starts a flow, replacing any pending one (Connect pressed again restarts cleanly).
    pub fn begin(&mut self, target: CallbackTarget, now: SystemTime) -> &PendingFlow {
        self.pending.insert(PendingFlow::new(target, now))
    }

    /// Puts back a flow saved by an earlier run.
    pub fn restore(&mut self, flow: PendingFlow) {
        self.pending = Some(flow);
    }

    pub fn cancel(&mut self) -> Option<PendingFlow> {
        self.pending.take()
    }

    pub fn pending(&self) -> Option<&PendingFlow> {
        self.pending.as_ref()
    }

    /// Drops the pending flow if it has expired; returns whether it did.
    pub fn expire(&mut self, now: SystemTime) -> bool {
        if self.pending.as_ref().is_some_and(|f| f.expired(now)) {
            self.pending = None;
            return true;
        }
        false
    }

    /// Checks a callback URL against the pending flow.
    pub fn accept(&mut self, raw: &str, now: SystemTime) -> Result<Accepted, Rejection> {
        let url_digest: [u8; 32] = Sha256::digest(raw.trim().as_bytes()).into();
        if let Some(code) = any_code(raw) {
            let code_digest: [u8; 32] = Sha256::digest(code.as_bytes()).into();
            if let Some((seen_url, seen_at)) = self.used_codes.get(&code_digest) {
                let recent = now.duration_since(*seen_at).unwrap_or_default() < DUPLICATE_WINDOW;
                return Err(if recent && *seen_url == url_digest {
                    Rejection::Duplicate
                } else {
                    Rejection::ReusedCode
                });
            }
        }
        if let Some((seen_url, seen_at)) = self.last_accepted {
            if seen_url == url_digest && now.duration_since(seen_at).unwrap_or_default() < DUPLICATE_WINDOW {
                return Err(Rejection::Duplicate);
            }
        }
        let flow = self.pending.as_ref().ok_or(Rejection::NoPendingFlow)?;
        let params = flow.target.parse(raw).map_err(Rejection::Malformed)?;
        if !flow.state.matches(&params.state) {
            return Err(Rejection::WrongState);
        }
        if flow.expired(now) {
            self.pending = None;
            return Err(Rejection::Expired);
        }
        let Some(flow) = self.pending.take() else {
            return Err(Rejection::NoPendingFlow);
        };
        self.last_accepted = Some((url_digest, now));
        Ok(match params.result {
            CallbackResult::Code(code) => {
                let code_digest: [u8; 32] = Sha256::digest(code.expose().as_bytes()).into();
                self.used_codes.insert(code_digest, (url_digest, now));
                Accepted::Code {
                    code,
                    verifier: flow.pkce.verifier,
                }
            }
            CallbackResult::Denied { error, description } => Accepted::Denied { error, description },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: &str = "ai.glama.chat";

    fn target() -> CallbackTarget {
        CallbackTarget::Scheme { scheme: SCHEME.into() }
    }

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn started() -> (Flows, String) {
        let mut flows = Flows::default();
        let url = flows.begin(target(), t0()).callback_url().to_string();
        (flows, url)
    }

    #[test]
    fn accepts_the_pending_flows_callback_once() {
        let (mut flows, url) = started();
        let verifier = flows.pending().unwrap().pkce.verifier.clone();
        let cb = format!("{url}?code=C1");
        match flows.accept(&cb, t0()).unwrap() {
            Accepted::Code { code, verifier: v } => {
                assert_eq!(code.expose(), "C1");
                assert_eq!(v, verifier);
            }
            other => panic!("{other:?}"),
        }
        assert!(flows.pending().is_none());
        // The OS delivering it again: silent.
        assert_eq!(flows.accept(&cb, t0()).unwrap_err(), Rejection::Duplicate);
        // The same code much later, or inside another URL: a replay.
        let later = t0() + Duration::from_secs(120);
        assert_eq!(flows.accept(&cb, later).unwrap_err(), Rejection::ReusedCode);
        flows.begin(target(), later);
        let other = format!("{}?code=C1", flows.pending().unwrap().callback_url());
        assert_eq!(flows.accept(&other, later).unwrap_err(), Rejection::ReusedCode);
        assert!(flows.pending().is_some(), "a replay leaves the new flow alone");
    }

    #[test]
    fn no_pending_flow() {
        let mut flows = Flows::default();
        let err = flows.accept("ai.glama.chat:/callback/X?code=C", t0()).unwrap_err();
        assert_eq!(err, Rejection::NoPendingFlow);
    }

    #[test]
    fn wrong_or_missing_state_leaves_flow_alone() {
        let (mut flows, _) = started();
        let err = flows.accept("ai.glama.chat:/callback/forged?code=C", t0()).unwrap_err();
        assert_eq!(err, Rejection::WrongState);
        let err = flows.accept("ai.glama.chat:/callback?code=C", t0()).unwrap_err();
        assert_eq!(err, Rejection::Malformed(CallbackError::MissingState));
        let err = flows.accept("evil:/callback/x?code=C", t0()).unwrap_err();
        assert_eq!(err, Rejection::Malformed(CallbackError::WrongTarget));
        assert!(flows.pending().is_some());
    }

    #[test]
    fn forged_codes_are_not_remembered() {
        let (mut flows, url) = started();
        // A forged link with the right code but wrong state must not burn the code.
        let _ = flows.accept("ai.glama.chat:/callback/forged?code=C", t0());
        assert!(matches!(
            flows.accept(&format!("{url}?code=C"), t0()),
            Ok(Accepted::Code { .. })
        ));
    }

    #[test]
    fn denial_ends_the_flow() {
        let (mut flows, url) = started();
        let res = flows.accept(&format!("{url}?error=access_denied"), t0()).unwrap();
        assert!(matches!(res, Accepted::Denied { ref error, .. } if error == "access_denied"));
        assert!(flows.pending().is_none());
    }

    /// Before, the second delivery of a denial read "did not ask for" (no flow pending).
    #[test]
    fn a_denial_delivered_twice_is_handled_once() {
        let (mut flows, url) = started();
        let denial = format!("{url}?error=access_denied");
        assert!(matches!(flows.accept(&denial, t0()), Ok(Accepted::Denied { .. })));
        assert_eq!(flows.accept(&denial, t0()).unwrap_err(), Rejection::Duplicate);
        let later = t0() + DUPLICATE_WINDOW;
        assert_eq!(flows.accept(&denial, later).unwrap_err(), Rejection::NoPendingFlow);
    }

    #[test]
    fn expired_flow() {
        let (mut flows, url) = started();
        let late = t0() + FLOW_LIFETIME + Duration::from_secs(1);
        let err = flows.accept(&format!("{url}?code=C"), late).unwrap_err();
        assert_eq!(err, Rejection::Expired);
        assert!(flows.pending().is_none());
    }

    #[test]
    fn begin_again_replaces_the_flow() {
        let (mut flows, first) = started();
        let second = flows.begin(target(), t0()).callback_url().to_string();
        assert_ne!(first, second);
        let err = flows.accept(&format!("{first}?code=C"), t0()).unwrap_err();
        assert_eq!(err, Rejection::WrongState);
        assert!(flows.accept(&format!("{second}?code=C"), t0()).is_ok());
    }

    #[test]
    fn saved_flow_round_trips() {
        let flow = PendingFlow::new(target(), t0());
        let back = PendingFlow::from_saved(&flow.to_saved()).unwrap();
        assert_eq!(back.state, flow.state);
        assert_eq!(back.pkce.verifier, flow.pkce.verifier);
        assert_eq!(back.pkce.challenge, flow.pkce.challenge);
        assert_eq!(back.target, flow.target);
        assert_eq!(back.started_at, flow.started_at);
        assert!(PendingFlow::from_saved("{not json").is_none());
    }

    /// Before, a start time too far in the future for the clock panicked on the way in.
    #[test]
    fn a_saved_flow_from_beyond_the_clock_is_no_flow() {
        let flow = PendingFlow::new(target(), t0());
        let mut saved: serde_json::Value = serde_json::from_str(&flow.to_saved()).unwrap();
        saved["started_at"] = u64::MAX.into();
        assert!(PendingFlow::from_saved(&saved.to_string()).is_none());
        // A year ahead reads, and is expired rather than pending for a year.
        saved["started_at"] = (t0().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() + 365 * 86_400).into();
        let ahead = PendingFlow::from_saved(&saved.to_string()).unwrap();
        assert!(ahead.expired(t0()));
        assert!(
            !flow.expired(t0() - Duration::from_secs(60)),
            "a clock set back a little is not expiry"
        );
    }

    #[test]
    fn debug_does_not_leak() {
        let flow = PendingFlow::new(target(), t0());
        let dbg = format!("{flow:?}");
        assert!(!dbg.contains(flow.state.expose()));
        assert!(!dbg.contains(flow.pkce.verifier.expose()));
    }
}
