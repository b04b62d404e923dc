//! HTTP signatures on OpenSSL: our deliveries are signed the way every server reads
//! (draft-cavage, RSA with SHA-256 announced as `hs2019`, over `(request-target)
//! content-type date digest host`); what
//! arrives is read in either draft-cavage or RFC 9421 form and checked against the sender's
//! key. Parsed keys are kept in memory, so each is parsed once.
//!
//! A signature is accepted only if it covers the time it was made (`date` or `(created)`),
//! and that time is within [`SIGNATURE_WINDOW`] of ours, in either direction; a request with
//! a body must cover its digest, which must match the body.

use base64::Engine;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use sha2::{Digest, Sha256, Sha512};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use url::Url;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// How far a signature's time may be from ours, in the past or the future.
pub const SIGNATURE_WINDOW: Duration = Duration::from_secs(60 * 60);

/// Why a request's signature was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed")]
    Missing,
    #[error("unreadable signature: {0}")]
    Unreadable(String),
    #[error("the signature does not cover {0}")]
    NotCovered(&'static str),
    #[error("the signature was made at {0}, too far from now")]
    OutOfWindow(String),
    #[error("the body does not match its digest")]
    DigestMismatch,
    #[error("unsupported signature algorithm {0}")]
    Unsupported(String),
    #[error("the signature does not match the key")]
    Invalid,
    #[error("unreadable key")]
    BadKey,
}

/// Parsed keys by PEM text. Bounded: emptied when it grows past a few thousand keys.
struct KeyCache<T> {
    keys: Mutex<HashMap<String, PKey<T>>>,
}

const KEY_CACHE_SIZE: usize = 4096;

impl<T> KeyCache<T> {
    fn get(&self, pem: &str, parse: impl FnOnce(&[u8]) -> Option<PKey<T>>) -> Option<PKey<T>> {
        if let Some(k) = self.keys.lock().unwrap_or_else(|e| e.into_inner()).get(pem) {
            return Some(k.clone());
        }
        let key = parse(pem.as_bytes())?;
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= KEY_CACHE_SIZE {
            keys.clear();
        }
        keys.insert(pem.to_string(), key.clone());
        Some(key)
    }
}

fn public_keys() -> &'static KeyCache<Public> {
    static CACHE: OnceLock<KeyCache<Public>> = OnceLock::new();
    CACHE.get_or_init(|| KeyCache {
        keys: Mutex::default(),
    })
}

fn private_keys() -> &'static KeyCache<Private> {
    static CACHE: OnceLock<KeyCache<Private>> = OnceLock::new();
    CACHE.get_or_init(|| KeyCache {
        keys: Mutex::default(),
    })
}

/// RSASSA-PKCS1-v1_5 with SHA-256 of `data`.
pub fn sign(private_pem: &str, data: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let key = private_keys()
        .get(private_pem, |pem| PKey::private_key_from_pem(pem).ok())
        .ok_or(SignatureError::BadKey)?;
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &key)
        .map_err(|_| SignatureError::BadKey)?;
    signer
        .sign_oneshot_to_vec(data)
        .map_err(|_| SignatureError::BadKey)
}

/// Whether `signature` is `public_pem`'s RSASSA-PKCS1-v1_5 SHA-256 signature of `data`.
pub fn verify(public_pem: &str, data: &[u8], signature: &[u8]) -> Result<bool, SignatureError> {
    let key = public_keys()
        .get(public_pem, |pem| PKey::public_key_from_pem(pem).ok())
        .ok_or(SignatureError::BadKey)?;
    let mut verifier = openssl::sign::Verifier::new(MessageDigest::sha256(), &key)
        .map_err(|_| SignatureError::BadKey)?;
    Ok(verifier.verify_oneshot(signature, data).unwrap_or(false))
}

/// `Wed, 02 Dec 2026 09:00:00 GMT`
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `host` or `host:port`, as the `Host` header names it.
fn host_of(url: &Url) -> String {
    crate::objects::authority(url)
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// The headers of a signed POST of `body` to `url` by the key `key_id`.
pub fn signed_post_headers(
    key_id: &str,
    private_pem: &str,
    url: &Url,
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, SignatureError> {
    let mut headers = BTreeMap::new();
    headers.insert("host".to_string(), host_of(url));
    headers.insert("date".to_string(), http_date(Utc::now()));
    headers.insert(
        "digest".to_string(),
        format!("SHA-256={}", B64.encode(Sha256::digest(body))),
    );
    headers.insert(
        "content-type".to_string(),
        "application/activity+json".to_string(),
    );
    let signature = http_signature_normalization::Config::new()
        .mastodon_compat()
        .begin_sign("POST", &path_and_query(url), headers.clone())
        .map_err(|e| SignatureError::Unreadable(e.to_string()))?
        .sign(key_id.to_string(), |signing_string| {
            sign(private_pem, signing_string.as_bytes()).map(|s| B64.encode(s))
        })?
        .signature_header();
    let value = |k: &str| headers.get(k).cloned().unwrap_or_default();
    Ok(vec![
        ("Host", value("host")),
        ("Date", value("date")),
        ("Digest", value("digest")),
        ("Content-Type", value("content-type")),
        ("Signature", signature),
    ])
}

/// A request as signatures see it.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// `https` or `http`: how the request reached us (for RFC 9421's `@target-uri`).
    pub scheme: &'a str,
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
    /// The body, for requests that carry one (its digest must be signed and match).
    pub body: Option<&'a [u8]>,
}

/// A signature read from a request and found well formed, not yet checked against a key.
#[derive(Debug)]
pub struct ReadSignature {
    pub key_id: String,
    /// What was signed.
    base: Vec<u8>,
    signature: Vec<u8>,
}

impl ReadSignature {
    /// Whether the signature was made with the private half of `public_pem`.
    pub fn verify(&self, public_pem: &str) -> Result<(), SignatureError> {
        if verify(public_pem, &self.base, &self.signature)? {
            Ok(())
        } else {
            Err(SignatureError::Invalid)
        }
    }

    /// The URL of the actor the key id names (the key id without its fragment or, for
    /// servers whose key ids are paths such as `…/main-key`, without that last segment).
    pub fn actor_candidates(&self) -> Vec<Url> {
        let Ok(mut url) = Url::parse(&self.key_id) else {
            return Vec::new();
        };
        let had_fragment = url.fragment().is_some();
        url.set_fragment(None);
        let mut out = vec![url.clone()];
        if !had_fragment {
            if let Ok(mut segments) = url.path_segments_mut() {
                segments.pop();
            }
            out.push(url);
        }
        out
    }
}

/// Reads and checks the form, time and digest of a request's signature.
/// `require_target` asks that it covers the method and path (always, for signed fetches).
pub fn read(req: &SignedRequest, require_target: bool) -> Result<ReadSignature, SignatureError> {
    let read = if req.headers.contains_key("signature-input") {
        read_rfc9421(req)?
    } else if req.headers.contains_key("signature") {
        read_cavage(req)?
    } else {
        return Err(SignatureError::Missing);
    };
    if require_target && !read.covers_target {
        return Err(SignatureError::NotCovered("the request target"));
    }
    if req.body.is_some() && !read.covers_digest {
        return Err(SignatureError::NotCovered("the body's digest"));
    }
    if let Some(body) = req.body {
        check_digest(req.headers, body)?;
    }
    check_time(read.made_at, read.expires_at)?;
    Ok(read.signature)
}

struct Read {
    signature: ReadSignature,
    covers_target: bool,
    covers_digest: bool,
    made_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn from_unix(secs: &str) -> Result<DateTime<Utc>, SignatureError> {
    secs.trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| SignatureError::Unreadable(format!("bad timestamp {secs:?}")))
}

fn check_time(made: DateTime<Utc>, expires: Option<DateTime<Utc>>) -> Result<(), SignatureError> {
    let now = Utc::now();
    let window = chrono::Duration::from_std(SIGNATURE_WINDOW).unwrap_or_default();
    if made < now - window || made > now + window {
        return Err(SignatureError::OutOfWindow(made.to_rfc3339()));
    }
    if expires.is_some_and(|e| e < now) {
        return Err(SignatureError::OutOfWindow(format!(
            "{} (expired)",
            made.to_rfc3339()
        )));
    }
    Ok(())
}

/// Checks `Digest` (draft-cavage) or `Content-Digest` (RFC 9530) against the body.
fn check_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    if let Some(digest) = header_text(headers, "digest") {
        // `SHA-256=base64`, possibly beside other algorithms.
        let mut checked = false;
        for part in digest.split(',') {
            let Some((alg, value)) = part.trim().split_once('=') else {
                continue;
            };
            let expected = match alg.to_ascii_lowercase().as_str() {
                "sha-256" => B64.encode(Sha256::digest(body)),
                "sha-512" => B64.encode(Sha512::digest(body)),
                _ => continue,
            };
            if value.trim() != expected {
                return Err(SignatureError::DigestMismatch);
            }
            checked = true;
        }
        return if checked {
            Ok(())
        } else {
            Err(SignatureError::Unreadable("no SHA-256 digest".into()))
        };
    }
    if let Some(digest) = header_text(headers, "content-digest") {
        // `sha-256=:base64:`
        let mut checked = false;
        for part in digest.split(',') {
            let Some((alg, value)) = part.trim().split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(':');
            let expected = match alg.trim() {
                "sha-256" => B64.encode(Sha256::digest(body)),
                "sha-512" => B64.encode(Sha512::digest(body)),
                _ => continue,
            };
            if value != expected {
                return Err(SignatureError::DigestMismatch);
            }
            checked = true;
        }
        return if checked {
            Ok(())
        } else {
            Err(SignatureError::Unreadable(
                "no sha-256 content digest".into(),
            ))
        };
    }
    Err(SignatureError::NotCovered("the body's digest"))
}

fn read_cavage(req: &SignedRequest) -> Result<Read, SignatureError> {
    let headers: BTreeMap<String, String> = req
        .headers
        .keys()
        .filter_map(|k| {
            Some((
                k.as_str().to_string(),
                header_text(req.headers, k.as_str())?,
            ))
        })
        .collect();
    // The window is checked below, both ways; the library's own check is only a bound.
    let unverified = http_signature_normalization::Config::new()
        .set_expiration(SIGNATURE_WINDOW * 2)
        .begin_verify(req.method, req.path_and_query, headers)
        .map_err(|e| SignatureError::Unreadable(e.to_string()))?;
    if let Some(alg) = unverified.algorithm() {
        let name = alg.to_string();
        if !matches!(name.as_str(), "rsa-sha256" | "hs2019") {
            return Err(SignatureError::Unsupported(name));
        }
    }
    // What was signed, line by line: `name: value`.
    let signed: HashMap<&str, &str> = unverified
        .signing_string()
        .lines()
        .filter_map(|l| l.split_once(": "))
        .collect();
    let made_at = match (signed.get("(created)"), signed.get("date")) {
        (Some(created), _) => from_unix(created)?,
        (None, Some(date)) => DateTime::parse_from_rfc2822(date)
            .map_err(|_| SignatureError::Unreadable(format!("bad date {date:?}")))?
            .with_timezone(&Utc),
        (None, None) => return Err(SignatureError::NotCovered("date or (created)")),
    };
    let expires_at = signed.get("(expires)").map(|e| from_unix(e)).transpose()?;
    let signature = B64
        .decode(unverified.signature())
        .map_err(|_| SignatureError::Unreadable("signature is not base64".into()))?;
    Ok(Read {
        covers_target: signed.contains_key("(request-target)"),
        covers_digest: signed.contains_key("digest"),
        made_at,
        expires_at,
        signature: ReadSignature {
            key_id: unverified.key_id().to_string(),
            base: unverified.signing_string().as_bytes().to_vec(),
            signature,
        },
    })
}

/// One member of the `Signature-Input` dictionary: its label, covered components and
/// parameters, and the text after `label=` as written (it is part of what was signed).
struct SignatureInput {
    label: String,
    components: Vec<String>,
    params: HashMap<String, String>,
    raw: String,
}

/// Splits a structured-field list at top-level commas (not inside quotes or parentheses).
fn split_members(s: &str) -> Vec<&str> {
    let (mut out, mut start, mut depth, mut quoted) = (Vec::new(), 0, 0i32, false);
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            b',' if !quoted && depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(s[start..].trim());
    out.into_iter().filter(|m| !m.is_empty()).collect()
}

fn parse_signature_input(member: &str) -> Result<SignatureInput, SignatureError> {
    let bad = || SignatureError::Unreadable(format!("bad Signature-Input {member:?}"));
    let (label, raw) = member.split_once('=').ok_or_else(bad)?;
    let rest = raw.trim().strip_prefix('(').ok_or_else(bad)?;
    let (list, params) = rest.split_once(')').ok_or_else(bad)?;
    let components = list
        .split_whitespace()
        .map(|c| {
            c.strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .map(str::to_ascii_lowercase)
                .ok_or_else(bad)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let params = params
        .split(';')
        .filter(|p| !p.trim().is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect();
    Ok(SignatureInput {
        label: label.trim().to_string(),
        components,
        params,
        raw: raw.trim().to_string(),
    })
}

fn read_rfc9421(req: &SignedRequest) -> Result<Read, SignatureError> {
    let input = header_text(req.headers, "signature-input").ok_or(SignatureError::Missing)?;
    let signatures = header_text(req.headers, "signature").ok_or(SignatureError::Missing)?;
    let signatures: HashMap<&str, &str> = split_members(&signatures)
        .into_iter()
        .filter_map(|m| m.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    // The first signature we can read; servers send one.
    let input = split_members(&input)
        .into_iter()
        .map(parse_signature_input)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .find(|i| signatures.contains_key(i.label.as_str()))
        .ok_or(SignatureError::Missing)?;
    let signature = signatures[input.label.as_str()].trim_matches(':');
    let signature = B64
        .decode(signature)
        .map_err(|_| SignatureError::Unreadable("signature is not base64".into()))?;
    if let Some(alg) = input.params.get("alg") {
        if alg != "rsa-v1_5-sha256" {
            return Err(SignatureError::Unsupported(alg.clone()));
        }
    }
    let key_id = input
        .params
        .get("keyid")
        .cloned()
        .ok_or_else(|| SignatureError::Unreadable("no keyid".into()))?;
    let made_at = from_unix(
        input
            .params
            .get("created")
            .ok_or(SignatureError::NotCovered("(created)"))?,
    )?;
    let expires_at = input
        .params
        .get("expires")
        .map(|e| from_unix(e))
        .transpose()?;
    let (path, query) = match req.path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (req.path_and_query, None),
    };
    let host = header_text(req.headers, "host").unwrap_or_default();
    let mut base = String::new();
    for component in &input.components {
        let value = match component.as_str() {
            "@method" => req.method.to_ascii_uppercase(),
            "@target-uri" => format!("{}://{host}{}", req.scheme, req.path_and_query),
            "@authority" => host.to_ascii_lowercase(),
            "@scheme" => req.scheme.to_string(),
            "@request-target" => req.path_and_query.to_string(),
            "@path" => path.to_string(),
            "@query" => format!("?{}", query.unwrap_or("")),
            name if name.starts_with('@') => {
                return Err(SignatureError::Unsupported(format!("component {name}")))
            }
            name => header_text(req.headers, name).ok_or_else(|| {
                SignatureError::Unreadable(format!("{name} is signed but absent"))
            })?,
        };
        base.push_str(&format!("\"{component}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {}", input.raw));
    let covered = |c: &str| input.components.iter().any(|x| x == c);
    Ok(Read {
        covers_target: covered("@target-uri")
            || covered("@request-target")
            || (covered("@method") && covered("@path")),
        covers_digest: covered("content-digest") || covered("digest"),
        made_at,
        expires_at,
        signature: ReadSignature {
            key_id,
            base: base.into_bytes(),
            signature,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn keypair() -> (String, String) {
        let rsa = openssl::rsa::Rsa::generate(2048).expect("key");
        let key = PKey::from_rsa(rsa).expect("pkey");
        (
            String::from_utf8(key.private_key_to_pem_pkcs8().expect("pem")).expect("utf8"),
            String::from_utf8(key.public_key_to_pem().expect("pem")).expect("utf8"),
        )
    }

    fn header_map(pairs: &[(&str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                http::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        map
    }

    #[test]
    fn a_signed_post_verifies_and_a_changed_body_does_not() {
        let (private, public) = keypair();
        let url = Url::parse("https://here.example/inbox").expect("url");
        let body = br#"{"type":"Follow"}"#;
        let headers = header_map(
            &signed_post_headers("https://there.example/u/a#main-key", &private, &url, body)
                .expect("sign"),
        );
        let req = SignedRequest {
            method: "POST",
            scheme: "https",
            path_and_query: "/inbox",
            headers: &headers,
            body: Some(body),
        };
        let read = read(&req, true).expect("read");
        assert_eq!(read.key_id, "https://there.example/u/a#main-key");
        read.verify(&public).expect("valid");
        let (_, other_public) = keypair();
        assert!(read.verify(&other_public).is_err());
        let tampered = SignedRequest {
            body: Some(br#"{"type":"Undo"}"#),
            ..req
        };
        assert!(matches!(
            super::read(&tampered, true),
            Err(SignatureError::DigestMismatch)
        ));
    }

    fn cavage(private: &str, signed: &str, lines: &[(&str, String)]) -> HeaderMap {
        let signing: Vec<String> = lines.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let sig = B64.encode(sign(private, signing.join("\n").as_bytes()).expect("sign"));
        let mut pairs: Vec<(&str, String)> = lines
            .iter()
            .filter(|(k, _)| !k.starts_with('('))
            .cloned()
            .collect();
        pairs.push((
            "signature",
            format!("keyId=\"https://there.example/u/a#main-key\",algorithm=\"rsa-sha256\",headers=\"{signed}\",signature=\"{sig}\""),
        ));
        header_map(&pairs)
    }

    #[test]
    fn signatures_dated_in_the_future_or_without_a_date_are_refused() {
        let (private, _) = keypair();
        let get = |headers: &HeaderMap| {
            read(
                &SignedRequest {
                    method: "GET",
                    scheme: "https",
                    path_and_query: "/posts/1",
                    headers,
                    body: None,
                },
                true,
            )
        };
        let future = http_date(Utc::now() + chrono::Duration::days(365));
        let headers = cavage(
            &private,
            "(request-target) host date",
            &[
                ("(request-target)", "get /posts/1".into()),
                ("host", "here.example".into()),
                ("date", future),
            ],
        );
        assert!(matches!(get(&headers), Err(SignatureError::OutOfWindow(_))));
        let headers = cavage(
            &private,
            "(request-target) host",
            &[
                ("(request-target)", "get /posts/1".into()),
                ("host", "here.example".into()),
            ],
        );
        assert!(matches!(get(&headers), Err(SignatureError::NotCovered(_))));
        let headers = cavage(
            &private,
            "host date",
            &[
                ("host", "here.example".into()),
                ("date", http_date(Utc::now())),
            ],
        );
        assert!(
            matches!(get(&headers), Err(SignatureError::NotCovered(_))),
            "a fetch signature must cover the request target"
        );
        let headers = cavage(
            &private,
            "(request-target) host date",
            &[
                ("(request-target)", "get /posts/1".into()),
                ("host", "here.example".into()),
                ("date", http_date(Utc::now())),
            ],
        );
        assert!(get(&headers).is_ok());
    }

    #[test]
    fn rfc9421_signatures_with_content_digest_verify() {
        let (private, public) = keypair();
        let body = br#"{"type":"Like"}"#;
        let created = Utc::now().timestamp();
        let digest = format!("sha-256=:{}:", B64.encode(Sha256::digest(body)));
        let params = format!(
            "(\"@method\" \"@target-uri\" \"content-digest\");created={created};keyid=\"https://there.example/users/a#main-key\";alg=\"rsa-v1_5-sha256\""
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": https://here.example/users/b/inbox\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let sig = B64.encode(sign(&private, base.as_bytes()).expect("sign"));
        let headers = header_map(&[
            ("host", "here.example".into()),
            ("content-digest", digest),
            ("signature-input", format!("sig1={params}")),
            ("signature", format!("sig1=:{sig}:")),
        ]);
        let req = SignedRequest {
            method: "POST",
            scheme: "https",
            path_and_query: "/users/b/inbox",
            headers: &headers,
            body: Some(body),
        };
        let read = read(&req, true).expect("read");
        assert_eq!(read.key_id, "https://there.example/users/a#main-key");
        read.verify(&public).expect("valid");
        let elsewhere = SignedRequest {
            path_and_query: "/users/c/inbox",
            ..req
        };
        let moved = super::read(&elsewhere, true).expect("read");
        assert!(
            moved.verify(&public).is_err(),
            "the signature names the target"
        );
    }

    #[test]
    fn key_ids_name_their_actor() {
        let read = |key_id: &str| ReadSignature {
            key_id: key_id.into(),
            base: Vec::new(),
            signature: Vec::new(),
        };
        assert_eq!(
            read("https://a.example/users/x#main-key").actor_candidates(),
            vec![Url::parse("https://a.example/users/x").expect("url")]
        );
        assert_eq!(
            read("https://a.example/users/x/main-key").actor_candidates()[1],
            Url::parse("https://a.example/users/x").expect("url")
        );
    }
}
