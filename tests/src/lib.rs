//! The test rig: instances on loopback ports over a real SQLite or PostgreSQL database, and
//! a small HTTP client speaking the client API as an app would.

pub mod smtp;
pub mod stub;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tsunagu::Settings;

/// Which database an instance runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// PostgreSQL server URL (any database: tests create their own).
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL backend from `TSUNAGU_TEST_POSTGRES_URL`. Without it the test is skipped,
    /// unless `TSUNAGU_REQUIRE_POSTGRES` is set (as in CI), where a missing server fails.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("TSUNAGU_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ if std::env::var("TSUNAGU_REQUIRE_POSTGRES").is_ok() => {
                panic!("TSUNAGU_REQUIRE_POSTGRES is set but TSUNAGU_TEST_POSTGRES_URL is not")
            }
            _ => {
                eprintln!("skipped: set TSUNAGU_TEST_POSTGRES_URL to run the PostgreSQL variant");
                None
            }
        }
    }
}

/// Runs a test body once per backend: `mod name { fn sqlite; fn postgres }`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = $crate::Backend::postgres() {
                    super::$body(backend).await
                }
            }
        }
    };
}

/// A database for one test. PostgreSQL ones are dropped by the next test run (see
/// `tsunagu_db::testing`), since the instance using it may still be winding down.
pub struct TestDb {
    pub url: String,
    /// Holds the SQLite file (if any) and the uploaded media.
    dir: tempfile::TempDir,
}

impl TestDb {
    pub fn new(backend: &Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/tsunagu.db", dir.path().display());
                TestDb { url, dir }
            }
            Backend::Postgres(admin) => {
                let name = format!("tsunagu_test_{}", random_suffix());
                let url = tsunagu_db::testing::create_database(admin, &name)
                    .expect("create test database");
                let dir = tempfile::tempdir().expect("temp dir");
                TestDb { url, dir }
            }
        }
    }
}

pub fn random_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{n}_{nanos}", std::process::id())
}

/// A change to an instance's test settings.
type Tweak = std::sync::Arc<dyn Fn(&mut Settings) + Send + Sync>;

/// One Tsunagu instance on `localhost:PORT`, in development mode.
pub struct TestInstance {
    pub domain: String,
    pub base: String,
    pub port: u16,
    running: Option<tsunagu::Instance>,
    pub db: TestDb,
    /// Changes to the test settings this instance runs with (kept for restarts).
    tweak: Tweak,
}

impl TestDb {
    pub fn media_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("media")
    }
}

fn test_settings(domain: &str, db: &TestDb) -> Settings {
    let mut settings = Settings::new(domain, &db.url, true);
    settings.media_dir = db.media_dir();
    settings.housekeeping_interval = Duration::from_millis(300);
    settings.delivery.retry_base = Duration::from_millis(500);
    settings.delivery.retry_max = Duration::from_secs(2);
    settings.delivery.poll_interval = Duration::from_millis(200);
    // Tests and benchmarks send far more than a person would.
    settings.instance.rate_limit = 1_000_000;
    settings.instance.sign_in_limit = 1_000_000;
    settings
}

/// Logs to the test output when `TSUNAGU_LOG` is set (e.g. `TSUNAGU_LOG=debug`).
fn init_logs() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("TSUNAGU_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

impl TestInstance {
    pub async fn start(backend: &Backend) -> TestInstance {
        Self::start_with(backend, |_: &mut Settings| {}).await
    }

    /// Starts an instance whose settings `tweak` changes (`|s| s.authorized_fetch = true`).
    pub async fn start_with(
        backend: &Backend,
        tweak: impl Fn(&mut Settings) + Send + Sync + 'static,
    ) -> TestInstance {
        init_logs();
        Self::start_on(TestDb::new(backend), std::sync::Arc::new(tweak)).await
    }

    fn settings(&self) -> Settings {
        let mut settings = test_settings(&self.domain, &self.db);
        (self.tweak)(&mut settings);
        settings
    }

    /// Starts another process of `self`: same domain and database, its own port and worker
    /// (several processes behind a load balancer).
    pub async fn second_process(&self) -> tsunagu::Instance {
        self.second_process_with(|_: &mut Settings| {}).await
    }

    /// [`TestInstance::second_process`] with its settings changed by `tweak`.
    pub async fn second_process_with(&self, tweak: impl Fn(&mut Settings)) -> tsunagu::Instance {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mut settings = self.settings();
        tweak(&mut settings);
        tsunagu::start(settings, listener)
            .await
            .expect("start second process")
    }

    /// Starts an instance that sends e-mail to a local SMTP server, with sign-up in `mode`.
    pub async fn start_with_mail(
        backend: &Backend,
        mode: tsunagu_service::joining::Registrations,
    ) -> (TestInstance, smtp::SmtpSink) {
        let sink = smtp::SmtpSink::start().await;
        let url = sink.url();
        let instance = Self::start_with(backend, move |s| {
            s.registrations = mode;
            s.instance.title = "Kobe Alumni".into();
            s.smtp = Some(tsunagu::SmtpSettings {
                url: url.clone(),
                from: "Alumni Office <office@alumni.test>".into(),
            });
        })
        .await;
        (instance, sink)
    }

    async fn start_on(db: TestDb, tweak: Tweak) -> TestInstance {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let domain = format!("localhost:{port}");
        let mut settings = test_settings(&domain, &db);
        tweak(&mut settings);
        let running = tsunagu::start(settings, listener)
            .await
            .expect("start instance");
        TestInstance {
            base: format!("http://{domain}"),
            domain,
            port,
            db,
            running: Some(running),
            tweak,
        }
    }

    pub fn ctx(&self) -> &tsunagu_service::Context {
        &self.running.as_ref().expect("instance is running").ctx
    }

    /// Stops the server (a peer going down).
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    /// Starts it again on the same port and database.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("rebind");
        self.running = Some(
            tsunagu::start(self.settings(), listener)
                .await
                .expect("restart instance"),
        );
    }

    /// Creates a member and logs in through the API with the password grant.
    pub async fn member(&self, username: &str) -> Member {
        self.member_with_role(username, tsunagu_service::accounts::Role::Alumnus)
            .await
    }

    /// Creates a staff member (creates boards, moderates) and logs in.
    pub async fn staff(&self, username: &str) -> Member {
        self.member_with_role(username, tsunagu_service::accounts::Role::Staff)
            .await
    }

    pub async fn member_with_role(
        &self,
        username: &str,
        role: tsunagu_service::accounts::Role,
    ) -> Member {
        let (_, actor) = tsunagu_service::accounts::create_member(
            self.ctx(),
            tsunagu_service::accounts::NewMember {
                username: username.into(),
                email: format!("{username}@example.org"),
                password: "correct horse battery".into(),
                role,
                display_name: None,
                admission: tsunagu_service::accounts::Admission::default(),
            },
        )
        .await
        .expect("create member");
        let token = login(
            &self.base,
            &format!("{username}@example.org"),
            "correct horse battery",
        )
        .await;
        Member {
            base: self.base.clone(),
            token,
            id: actor.id.to_string(),
            username: username.into(),
            handle: format!("{username}@{}", self.domain),
            actor_url: actor.ap_id,
        }
    }
}

/// One HTTP client for the whole test process: building one loads the TLS roots, slow enough
/// to distort measurements. It keeps no idle connections, since each test has its own
/// runtime and a pooled connection would outlive the runtime that opened it.
pub fn http() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .expect("client")
        })
        .clone()
}

/// Registers an app and logs in with the password grant, returning the access token.
pub async fn login(base: &str, login: &str, password: &str) -> String {
    let app: Value = http()
        .post(format!("{base}/api/v1/apps"))
        .json(&json!({ "client_name": "tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write follow admin:read admin:write" }))
        .send()
        .await
        .expect("apps")
        .json()
        .await
        .expect("apps json");
    let token: Value = http()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app["client_id"].as_str().expect("client_id")),
            (
                "client_secret",
                app["client_secret"].as_str().expect("secret"),
            ),
            ("username", login),
            ("password", password),
            ("scope", "read write follow admin:read admin:write"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    token["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// A logged-in member, speaking the client API.
#[derive(Clone)]
pub struct Member {
    pub base: String,
    pub token: String,
    /// Account id on its own instance.
    pub id: String,
    pub username: String,
    /// `name@host`
    pub handle: String,
    pub actor_url: String,
}

impl Member {
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = http()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// GET that must succeed.
    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.request(reqwest::Method::GET, path, None).await;
        assert!(status.is_success(), "GET {path}: {status} {body}");
        body
    }

    /// POST that must succeed.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.request(reqwest::Method::POST, path, Some(body)).await;
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    /// Uploads a file through `POST /api/v2/media` with extra form fields.
    pub async fn upload(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        mime: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_string())
            .mime_str(mime)
            .expect("mime");
        let mut form = reqwest::multipart::Form::new().part("file", part);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let res = http()
            .post(format!("{}/api/v2/media", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = res.status();
        let text = res.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn status(&self, text: &str) -> Value {
        self.post("/api/v1/statuses", json!({ "status": text }))
            .await
    }

    /// Finds `handle` (on any instance) through search with `resolve=true`; returns the
    /// account as this member's instance knows it.
    pub async fn resolve(&self, handle: &str) -> Value {
        let found = self
            .get(&format!(
                "/api/v2/search?resolve=true&type=accounts&q=%40{}",
                handle.replace('@', "%40")
            ))
            .await;
        found["accounts"][0].clone()
    }

    /// Follows `handle` and waits until the follow is accepted.
    pub async fn follow(&self, handle: &str) -> Value {
        let account = self.resolve(handle).await;
        let id = account["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{handle} not found: {account}"))
            .to_string();
        self.post(&format!("/api/v1/accounts/{id}/follow"), json!({}))
            .await;
        let me = self.clone();
        eventually(&format!("{} follows {handle}", self.handle), || {
            let me = me.clone();
            let id = id.clone();
            async move {
                let r = me
                    .get(&format!("/api/v1/accounts/relationships?id[]={id}"))
                    .await;
                (r[0]["following"] == json!(true)).then_some(())
            }
        })
        .await;
        account
    }

    pub async fn home(&self) -> Vec<Value> {
        self.get("/api/v1/timelines/home")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until the status with ActivityPub id `uri` is in the home timeline; returns it.
    pub async fn wait_in_home(&self, uri: &str) -> Value {
        let me = self.clone();
        eventually(&format!("{uri} reaches {}", self.handle), || {
            let me = me.clone();
            let uri = uri.to_string();
            async move { find_by_uri(&me.home().await, &uri).cloned() }
        })
        .await
    }

    pub async fn notifications(&self) -> Vec<Value> {
        self.get("/api/v1/notifications")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// How many of the member's notifications are of `kind` (`mention`, `follow`...).
    pub async fn notification_count(&self, kind: &str) -> usize {
        self.notifications()
            .await
            .iter()
            .filter(|n| n["type"] == json!(kind))
            .count()
    }
}

/// The status with ActivityPub id `uri` in a list of statuses.
pub fn find_by_uri<'a>(statuses: &'a [Value], uri: &str) -> Option<&'a Value> {
    statuses.iter().find(|s| s["uri"] == json!(uri))
}

/// A 1×1 PNG image.
pub const TINY_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

pub fn tiny_png() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(TINY_PNG)
        .expect("png")
}

/// Polls `check` until it returns `Some`, for up to 20 seconds.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fetches an ActivityPub document without a signature.
pub async fn fetch_ap(url: &str) -> (StatusCode, Value) {
    let res = http()
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("fetch");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Makes `followee` (a local actor id) followed by remote accounts that have no server behind
/// their ids, only inboxes: `(actor id, username, inbox)` each. For delivery tests and benchmarks.
pub async fn add_remote_followers(
    instance: &TestInstance,
    followee: i64,
    followers: Vec<(String, String, String)>,
) {
    add_remote_followers_to(&instance.ctx().db, followee, followers).await
}

/// [`add_remote_followers`] on a database of its own (of a server run as a process).
pub async fn add_remote_followers_to(
    db: &tsunagu_db::Db,
    followee: i64,
    followers: Vec<(String, String, String)>,
) {
    let at = tsunagu_db::now();
    let rows: Vec<tsunagu_db::NewActor> = followers
        .into_iter()
        .map(|(ap_id, username, inbox)| tsunagu_db::NewActor {
            domain: url::Url::parse(&ap_id)
                .map(|u| u.host_str().unwrap_or_default().to_string())
                .unwrap_or_default(),
            ap_id,
            kind: "Person".into(),
            display_name: username.clone(),
            username,
            local: false,
            summary: String::new(),
            url: None,
            inbox_url: inbox,
            shared_inbox_url: None,
            outbox_url: None,
            followers_url: None,
            following_url: None,
            public_key_pem: String::new(),
            private_key_pem: None,
            avatar_url: None,
            header_url: None,
            manually_approves_followers: false,
            fields_json: "[]".into(),
            published_at: at,
            refreshed_at: at,
        })
        .collect();
    db.write(move |c| {
        for row in &rows {
            let id = tsunagu_db::queries::actors::insert(c, row)?;
            let follow = tsunagu_db::NewFollow {
                follower_id: id,
                followee_id: followee,
                ap_id: None,
                accepted: true,
                created_at: at,
            };
            tsunagu_db::queries::follows::insert(c, &follow)?;
        }
        Ok(())
    })
    .await
    .expect("insert followers");
}

/// A browser for the web site: asks for HTML (in `lang`), keeps the cookies the site sets,
/// and does not follow redirects (tests look at them).
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub lang: &'static str,
    cookies: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

/// A page as the browser got it.
pub struct WebPage {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl WebPage {
    /// The value of `<input type="hidden" name="form_token" value="…">`.
    pub fn form_token(&self) -> String {
        let at = self
            .body
            .find("name=\"form_token\" value=\"")
            .unwrap_or_else(|| panic!("no form token in:\n{}", self.body));
        let rest = &self.body[at + "name=\"form_token\" value=\"".len()..];
        rest[..rest.find('"').expect("end of value")].to_string()
    }

    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

impl Browser {
    pub fn new(base: &str, lang: &'static str) -> Browser {
        Browser {
            base: base.to_string(),
            lang,
            cookies: Default::default(),
        }
    }

    fn remember(&self, res: &reqwest::Response) {
        let mut jar = self.cookies.lock().expect("cookies");
        for value in res.headers().get_all("set-cookie") {
            let Some((name, rest)) = value.to_str().unwrap_or_default().split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default().to_string();
            jar.retain(|(n, _)| n != name);
            if !value.is_empty() {
                jar.push((name.to_string(), value));
            }
        }
    }

    fn cookie_header(&self) -> String {
        let jar = self.cookies.lock().expect("cookies");
        jar.iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> WebPage {
        let res = req
            .header("Accept", "text/html,application/xhtml+xml")
            .header("Accept-Language", self.lang)
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .expect("request");
        self.remember(&res);
        WebPage {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.text().await.expect("body"),
        }
    }

    pub async fn get(&self, path: &str) -> WebPage {
        self.send(http().get(format!("{}{path}", self.base))).await
    }

    /// Posts a form (the pairs as given; add `form_token` yourself to be accepted).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> WebPage {
        self.send(http().post(format!("{}{path}", self.base)).form(form))
            .await
    }

    /// Signs in with the test password and checks it worked.
    pub async fn sign_in(&self, login: &str) {
        let page = self.get("/login").await;
        let token = page.form_token();
        let done = self
            .post(
                "/login",
                &[
                    ("form_token", token.as_str()),
                    ("back", "/"),
                    ("login", login),
                    ("password", "correct horse battery"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "sign-in: {}", done.body);
    }
}
