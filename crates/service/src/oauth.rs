//! OAuth 2 for client applications: registering apps, issuing, checking and revoking tokens.
//! Tokens and codes are stored as SHA-256 hashes only.

use crate::accounts;
use crate::error::invalid;
use crate::posts::random_token;
use crate::{Context, ServiceError, ServiceResult};
use base64::Engine;
use sha2::{Digest, Sha256};
use tsunagu_db::queries::{oauth, users};
use tsunagu_db::{
    now, Actor, NewOauthApp, NewOauthCode, NewOauthToken, OauthApp, OauthToken, User,
};

pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The top-level scopes; granular ones are `read:statuses` and the like.
pub const TOP_SCOPES: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:write",
];

/// The stored form of a secret we hand out (tokens, codes, e-mailed links): its SHA-256.
pub fn hash_secret(secret: &str) -> String {
    hash(secret)
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::thread_rng().gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Parses a space- or plus-separated scope list, refusing unknown scopes.
pub fn parse_scopes(s: &str) -> ServiceResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for scope in s.split([' ', '+']).filter(|x| !x.is_empty()) {
        let top = scope.split(':').next().unwrap_or(scope);
        let known = TOP_SCOPES.contains(&scope)
            || (matches!(top, "read" | "write" | "admin") && scope.contains(':'));
        if !known {
            return Err(invalid(format!("unknown scope {scope:?}")));
        }
        if !out.iter().any(|x| x == scope) {
            out.push(scope.to_string());
        }
    }
    if out.is_empty() {
        out.push("read".into());
    }
    Ok(out)
}

/// Whether `granted` covers `needed` (`read` covers `read:statuses`).
pub fn scope_allows(granted: &str, needed: &str) -> bool {
    granted.split(' ').any(|g| {
        g == needed
            || needed
                .strip_prefix(g)
                .is_some_and(|rest| rest.starts_with(':'))
            // The legacy `follow` scope covers follows, blocks and mutes.
            || (g == "follow"
                && matches!(
                    needed,
                    "read:follows"
                        | "write:follows"
                        | "read:blocks"
                        | "write:blocks"
                        | "read:mutes"
                        | "write:mutes"
                ))
            // `profile` lets an app read who the member is.
            || (g == "profile" && needed == "read:accounts")
    })
}

pub async fn create_app(
    ctx: &Context,
    name: &str,
    redirect_uris: &str,
    scopes: Option<&str>,
    website: Option<&str>,
) -> ServiceResult<OauthApp> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("client_name must be 1 to 200 characters"));
    }
    let uris: Vec<&str> = redirect_uris.split_whitespace().collect();
    if uris.is_empty() {
        return Err(invalid("redirect_uris can't be blank"));
    }
    for uri in &uris {
        if *uri == OOB_REDIRECT {
            continue;
        }
        // Apps may use their own schemes (`com.example.app:/oauth`), but not those that run
        // or embed something in the browser, and no fragments (RFC 6749).
        let parsed = url::Url::parse(uri)
            .map_err(|_| invalid(format!("redirect URI {uri:?} is not a valid URI")))?;
        if matches!(
            parsed.scheme(),
            "javascript" | "data" | "vbscript" | "file" | "about" | "blob" | "filesystem"
        ) || parsed.fragment().is_some()
        {
            return Err(invalid(format!(
                "redirect URI {uri:?} is not allowed: use an https, http or app URI without a fragment"
            )));
        }
    }
    let scopes = parse_scopes(scopes.unwrap_or("read"))?.join(" ");
    let row = NewOauthApp {
        client_id: new_secret(),
        client_secret: new_secret(),
        name: name.to_string(),
        redirect_uris: uris.join("\n"),
        scopes,
        website: website.map(str::to_string).filter(|w| !w.is_empty()),
        created_at: now(),
    };
    Ok(ctx
        .db
        .write(move |c| {
            let id = oauth::insert_app(c, &row)?;
            oauth::app_by_id(c, id)
        })
        .await?)
}

/// The app with these credentials; the secret is checked when given.
pub async fn find_app(
    ctx: &Context,
    client_id: &str,
    client_secret: Option<&str>,
) -> ServiceResult<OauthApp> {
    let id = client_id.to_string();
    let app = ctx
        .db
        .read(move |c| oauth::app_by_client_id(c, &id))
        .await?
        .ok_or_else(|| ServiceError::Unauthorized("unknown client".into()))?;
    if let Some(secret) = client_secret {
        if secret != app.client_secret {
            return Err(ServiceError::Unauthorized(
                "client authentication failed".into(),
            ));
        }
    }
    Ok(app)
}

/// Narrows requested scopes to those the app registered.
pub fn grant_scopes(app: &OauthApp, requested: Option<&str>) -> ServiceResult<String> {
    let Some(requested) = requested.filter(|s| !s.trim().is_empty()) else {
        return Ok(app.scopes.clone());
    };
    let scopes = parse_scopes(requested)?;
    for s in &scopes {
        if !scope_allows(&app.scopes, s) {
            return Err(invalid(format!(
                "scope {s:?} was not registered by this app"
            )));
        }
    }
    Ok(scopes.join(" "))
}

pub struct IssuedToken {
    pub access_token: String,
    pub scopes: String,
    pub created_at: i64,
}

async fn issue(
    ctx: &Context,
    app_id: Option<i64>,
    user_id: Option<i64>,
    scopes: String,
) -> ServiceResult<IssuedToken> {
    let token = new_secret();
    let row = NewOauthToken {
        token_hash: hash(&token),
        app_id,
        user_id,
        scopes: scopes.clone(),
        created_at: now(),
    };
    let created_at = row.created_at.and_utc().timestamp();
    ctx.db.write(move |c| oauth::insert_token(c, &row)).await?;
    Ok(IssuedToken {
        access_token: token,
        scopes,
        created_at,
    })
}

/// The `password` grant: a login (e-mail address or username) and password.
pub async fn password_grant(
    ctx: &Context,
    app: &OauthApp,
    login: &str,
    password: &str,
    scopes: Option<&str>,
) -> ServiceResult<IssuedToken> {
    let scopes = grant_scopes(app, scopes)?;
    let (user, _) = accounts::authenticate(ctx, login, password).await?;
    issue(ctx, Some(app.id), Some(user.id), scopes).await
}

/// The `client_credentials` grant: a token for the app itself, with no user.
pub async fn client_grant(
    ctx: &Context,
    app: &OauthApp,
    scopes: Option<&str>,
) -> ServiceResult<IssuedToken> {
    let scopes = grant_scopes(app, scopes)?;
    issue(ctx, Some(app.id), None, scopes).await
}

/// The token an app gets for an account it just signed up, with the scopes of the app's
/// own token (as Mastodon does). It works once the account is confirmed and approved.
pub async fn sign_up_token(
    ctx: &Context,
    app_token: &OauthToken,
    user_id: i64,
) -> ServiceResult<IssuedToken> {
    issue(
        ctx,
        app_token.app_id,
        Some(user_id),
        app_token.scopes.clone(),
    )
    .await
}

/// What an app asks for when it sends a member to `/oauth/authorize`, as sent.
#[derive(Debug, Default, Clone)]
pub struct AuthorizationQuery {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// An authorization request that names a known app, one of its redirect URIs and scopes it
/// registered: what the consent page shows and carries through its form.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub app: OauthApp,
    pub redirect_uri: String,
    pub scopes: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

/// Checks an authorization request (RFC 6749 section 4.1.1, PKCE with S256 only).
pub async fn authorization_request(
    ctx: &Context,
    q: &AuthorizationQuery,
) -> ServiceResult<AuthorizationRequest> {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    if given(&q.response_type).as_deref().unwrap_or("code") != "code" {
        return Err(invalid("only response_type=code is supported"));
    }
    let client_id = given(&q.client_id).ok_or_else(|| invalid("client_id is missing"))?;
    let app = find_app(ctx, &client_id, None)
        .await
        .map_err(|_| invalid("unknown client_id"))?;
    let redirect_uri = given(&q.redirect_uri).unwrap_or_else(|| {
        app.redirect_uris
            .lines()
            .next()
            .unwrap_or(OOB_REDIRECT)
            .to_string()
    });
    if !app.redirect_uris.lines().any(|u| u == redirect_uri) {
        return Err(invalid("redirect_uri is not registered for this app"));
    }
    let scopes = grant_scopes(&app, q.scope.as_deref())?;
    let code_challenge = match (given(&q.code_challenge), given(&q.code_challenge_method)) {
        (None, _) => None,
        (Some(c), Some(m)) if m == "S256" => Some(c),
        (Some(_), _) => {
            return Err(invalid("only code_challenge_method=S256 is supported"));
        }
    };
    Ok(AuthorizationRequest {
        app,
        redirect_uri,
        scopes,
        state: given(&q.state),
        code_challenge,
    })
}

/// Where the browser goes once the member answered: the app's redirect URI with the code
/// (or `error=access_denied`) and the state; `None` for the out-of-band URI, where the page
/// shows the code instead.
pub fn authorization_redirect(
    req: &AuthorizationRequest,
    answer: Result<&str, &str>,
) -> ServiceResult<Option<String>> {
    if req.redirect_uri == OOB_REDIRECT {
        return Ok(None);
    }
    let mut target =
        url::Url::parse(&req.redirect_uri).map_err(|_| invalid("invalid redirect_uri"))?;
    {
        let mut pairs = target.query_pairs_mut();
        match answer {
            Ok(code) => pairs.append_pair("code", code),
            Err(error) => pairs.append_pair("error", error),
        };
        if let Some(s) = &req.state {
            pairs.append_pair("state", s);
        }
    }
    Ok(Some(target.to_string()))
}

/// Issues an authorization code after the member logged in and consented.
pub async fn create_code(
    ctx: &Context,
    app: &OauthApp,
    user: &User,
    redirect_uri: &str,
    scopes: &str,
    code_challenge: Option<String>,
) -> ServiceResult<String> {
    if !app.redirect_uris.lines().any(|u| u == redirect_uri) {
        return Err(invalid("redirect_uri does not match a registered one"));
    }
    let code = new_secret();
    let row = NewOauthCode {
        code_hash: hash(&code),
        app_id: app.id,
        user_id: user.id,
        redirect_uri: redirect_uri.to_string(),
        scopes: scopes.to_string(),
        code_challenge,
        expires_at: now() + chrono::Duration::minutes(10),
    };
    ctx.db.write(move |c| oauth::insert_code(c, &row)).await?;
    Ok(code)
}

/// The `authorization_code` grant, with PKCE (S256) when the code was issued with a challenge.
pub async fn code_grant(
    ctx: &Context,
    app: &OauthApp,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> ServiceResult<IssuedToken> {
    let h = hash(code);
    let bad =
        || ServiceError::Invalid("invalid_grant: the code is invalid, used or expired".into());
    let row = ctx
        .db
        .write(move |c| oauth::take_code(c, &h))
        .await?
        .ok_or_else(bad)?;
    if row.app_id != app.id || row.expires_at < now() {
        return Err(bad());
    }
    // The code goes only with the redirect URI it was issued for (RFC 6749, 4.1.3).
    if redirect_uri != Some(row.redirect_uri.as_str()) {
        return Err(ServiceError::Invalid(
            "invalid_grant: redirect_uri must be the one the code was issued for".into(),
        ));
    }
    if let Some(challenge) = &row.code_challenge {
        let verifier =
            code_verifier.ok_or_else(|| invalid("invalid_grant: code_verifier is required"))?;
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        if &computed != challenge {
            return Err(invalid("invalid_grant: code_verifier does not match"));
        }
    }
    issue(ctx, Some(app.id), Some(row.user_id), row.scopes).await
}

/// Checks a bearer token: the token and, for user tokens, the member, whose account must be
/// active.
pub async fn verify_token(
    ctx: &Context,
    token: &str,
) -> ServiceResult<(OauthToken, Option<(User, Actor)>)> {
    let (token, user) = token_owner(ctx, token).await?;
    if let Some((u, _)) = &user {
        if let Some(refusal) = crate::joining::standing(u).refusal() {
            return Err(refusal);
        }
    }
    Ok((token, user))
}

/// A live token and its member, whatever the account's standing (for the few things an
/// account that is not active yet may do, such as asking for the confirmation mail again).
pub async fn token_owner(
    ctx: &Context,
    token: &str,
) -> ServiceResult<(OauthToken, Option<(User, Actor)>)> {
    let h = hash(token);
    let found = ctx
        .db
        .read(move |c| {
            let Some(t) = oauth::live_token(c, &h)? else {
                return Ok(None);
            };
            let user = match t.user_id {
                Some(uid) => Some(users::with_actor(c, uid)?),
                None => None,
            };
            Ok(Some((t, user)))
        })
        .await?;
    found.ok_or_else(|| ServiceError::Unauthorized("The access token is invalid".into()))
}

/// Revokes a token the app holds; a token of another app is left alone, as OAuth asks.
pub async fn revoke(ctx: &Context, app: &OauthApp, token: &str) -> ServiceResult<()> {
    let (h, app_id) = (hash(token), app.id);
    ctx.db
        .write(move |c| oauth::revoke_token(c, &h, app_id, now()))
        .await?;
    Ok(())
}

/// Scopes of a web session: what a member does on the site.
pub const SESSION_SCOPES: &str = "read write follow";

/// Signs a member in on the web site: a token of no app, kept in the browser's cookie.
pub async fn start_session(
    ctx: &Context,
    login: &str,
    password: &str,
) -> ServiceResult<(IssuedToken, User, Actor)> {
    let (user, actor) = accounts::authenticate(ctx, login, password).await?;
    // The password was right: say why the account cannot sign in yet.
    if let Some(refusal) = crate::joining::standing(&user).refusal() {
        return Err(refusal);
    }
    let token = issue(ctx, None, Some(user.id), SESSION_SCOPES.into()).await?;
    Ok((token, user, actor))
}

/// Signs a web session out (its token stops working).
pub async fn end_session(ctx: &Context, token: &str) -> ServiceResult<()> {
    let h = hash(token);
    ctx.db
        .write(move |c| oauth::revoke_session(c, &h, now()))
        .await?;
    Ok(())
}

/// Random state for forms (CSRF) and the like.
pub fn random_state() -> String {
    random_token()
}
