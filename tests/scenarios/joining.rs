//! Joining: sign-up through Mastodon's API in each mode, e-mail through a real SMTP
//! conversation, staff approval through the admin API, invitations, e-mail domains, password
//! links, verified alumni here and on another instance.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu_service::joining::Registrations;
use tsunagu_tests::{http, on_both_backends, Backend, Browser, Member, TestInstance};

/// An app's own token (`client_credentials`), as a Mastodon app gets one before sign-up.
async fn app_token(base: &str) -> String {
    let app: Value = http()
        .post(format!("{base}/api/v1/apps"))
        .json(&json!({ "client_name": "Sign-up app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write" }))
        .send()
        .await
        .expect("app")
        .json()
        .await
        .expect("app json");
    let token: Value = http()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app["client_id"].as_str().expect("id")),
            (
                "client_secret",
                app["client_secret"].as_str().expect("secret"),
            ),
            ("scope", "read write"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    token["access_token"]
        .as_str()
        .expect("app token")
        .to_string()
}

async fn sign_up(base: &str, app: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let res = http()
        .post(format!("{base}/api/v1/accounts"))
        .bearer_auth(app)
        .form(form)
        .send()
        .await
        .expect("sign-up");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn person<'a>(name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", name),
        ("email", email),
        ("password", "correct horse battery"),
        ("agreement", "true"),
        ("locale", "en"),
    ]
}

/// A member speaking the API with the token sign-up answered.
fn as_member(instance: &TestInstance, name: &str, token: &str) -> Member {
    Member {
        base: instance.base.clone(),
        token: token.to_string(),
        id: String::new(),
        username: name.into(),
        handle: format!("{name}@{}", instance.domain),
        actor_url: format!("{}/users/{name}", instance.base),
    }
}

async fn credentials(m: &Member) -> (StatusCode, Value) {
    m.request(
        reqwest::Method::GET,
        "/api/v1/accounts/verify_credentials",
        None,
    )
    .await
}

/// Opens the link of a mail (a page of the site).
async fn open_link(link: &str) -> u16 {
    let res = http()
        .get(link)
        .header("Accept", "text/html")
        .send()
        .await
        .expect("link");
    res.status().as_u16()
}

on_both_backends!(
    members_sign_up_confirm_and_staff_approve_through_the_api,
    approval_mode
);
async fn approval_mode(backend: Backend) {
    let (uni, mail) = TestInstance::start_with_mail(&backend, Registrations::Approval).await;
    let office = uni.staff("office").await;
    let app = app_token(&uni.base).await;

    let v1: Value = http()
        .get(format!("{}/api/v1/instance", uni.base))
        .send()
        .await
        .expect("instance")
        .json()
        .await
        .expect("json");
    assert_eq!(v1["registrations"], true);
    assert_eq!(v1["approval_required"], true);
    let v2: Value = http()
        .get(format!("{}/api/v2/instance", uni.base))
        .send()
        .await
        .expect("instance")
        .json()
        .await
        .expect("json");
    assert_eq!(v2["registrations"]["enabled"], true);
    assert_eq!(v2["registrations"]["approval_required"], true);

    // Refusals name the field as Mastodon does, and make nothing.
    let mut no_agreement = person("hana", "hana@mail.test");
    no_agreement.retain(|(k, _)| *k != "agreement");
    let (status, body) = sign_up(&uni.base, &app, &no_agreement).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"]["agreement"][0]["error"], "ERR_ACCEPTED");
    let (status, body) = sign_up(&uni.base, &app, &person("office", "x@mail.test")).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"]["username"][0]["error"], "ERR_TAKEN");
    let mut short = person("hana", "hana@mail.test");
    short[2] = ("password", "short");
    let (status, body) = sign_up(&uni.base, &app, &short).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"]["password"][0]["error"], "ERR_TOO_SHORT");
    let (status, body) = sign_up(&uni.base, &app, &person("hana", "not-an-address")).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"]["email"][0]["error"], "ERR_INVALID");
    // Without an app token: nobody signs up.
    let res = http()
        .post(format!("{}/api/v1/accounts", uni.base))
        .form(&person("hana", "hana@mail.test"))
        .send()
        .await
        .expect("sign-up");
    assert_eq!(res.status(), 401);
    let pending = office.get("/api/v2/admin/accounts?status=pending").await;
    assert_eq!(pending.as_array().map(Vec::len), Some(0), "{pending}");

    // Hana signs up with a reason; her token waits for her address and for staff.
    let mut hana_form = person("hana", "Hana@Mail.test");
    hana_form.push(("reason", "Class of 2019, Engineering"));
    let (status, body) = sign_up(&uni.base, &app, &hana_form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let hana = as_member(&uni, "hana", body["access_token"].as_str().expect("token"));
    let (status, body) = credentials(&hana).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"],
        "Your login is missing a confirmed e-mail address"
    );
    let (status, _) = sign_up(&uni.base, &app, &person("hana2", "hana@mail.test")).await;
    assert_eq!(status, 422, "the address is taken");

    let first = mail.wait_for("hana@mail.test", "/auth/confirm").await;
    assert!(first
        .header("from")
        .unwrap_or_default()
        .contains("office@alumni.test"));
    // She asks for the mail again at a corrected address, as Mastodon apps let her; the
    // address must be free.
    let (status, body) = hana
        .request(
            reqwest::Method::POST,
            "/api/v1/emails/confirmations",
            Some(json!({ "email": "office@example.org" })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = hana
        .request(
            reqwest::Method::POST,
            "/api/v1/emails/confirmations",
            Some(json!({ "email": "hana@new-mail.test" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let confirm = mail.wait_for("hana@new-mail.test", "/auth/confirm").await;
    assert_ne!(first.link("/auth/confirm"), confirm.link("/auth/confirm"));
    assert_eq!(
        open_link(&confirm.link("/auth/confirm").expect("link")).await,
        200
    );
    // A link works once.
    assert_eq!(
        open_link(&confirm.link("/auth/confirm").expect("link")).await,
        422
    );
    let (status, body) = credentials(&hana).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "Your login is currently pending approval");

    // Staff see the request with its reason, and approve it.
    let pending = office.get("/api/v2/admin/accounts?status=pending").await;
    let entry = pending
        .as_array()
        .and_then(|l| l.iter().find(|a| a["username"] == "hana"))
        .unwrap_or_else(|| panic!("hana is not pending: {pending}"))
        .clone();
    assert_eq!(entry["invite_request"], "Class of 2019, Engineering");
    assert_eq!(entry["email"], "hana@new-mail.test");
    assert_eq!(entry["confirmed"], true);
    assert_eq!(entry["approved"], false);
    let id = entry["id"].as_str().expect("id").to_string();
    let (status, _) = hana
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/accounts/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 403, "a pending member approves nobody");
    let approved = office
        .post(&format!("/api/v1/admin/accounts/{id}/approve"), json!({}))
        .await;
    assert_eq!(approved["approved"], true);
    let (status, _) = office
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/accounts/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 403, "approved already");
    mail.wait_for("hana@new-mail.test", "approved").await;
    // Confirmed now: the mail is not sent again.
    let (status, _) = hana
        .request(reqwest::Method::POST, "/api/v1/emails/confirmations", None)
        .await;
    assert_eq!(status, 403);
    let (status, me) = credentials(&hana).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "hana");
    let active = office.get("/api/v2/admin/accounts?status=active").await;
    assert!(active
        .as_array()
        .expect("list")
        .iter()
        .any(|a| a["id"] == id.as_str()));

    // Ken is declined: told by mail, and his account is gone.
    let (status, _) = sign_up(&uni.base, &app, &person("ken", "ken@mail.test")).await;
    assert_eq!(status, 200);
    let link = mail.wait_for("ken@mail.test", "/auth/confirm").await;
    open_link(&link.link("/auth/confirm").expect("link")).await;
    let ken = office
        .get("/api/v2/admin/accounts?status=pending&username=ken")
        .await;
    let ken_id = ken[0]["id"].as_str().expect("ken").to_string();
    office
        .post(
            &format!("/api/v1/admin/accounts/{ken_id}/reject"),
            json!({}),
        )
        .await;
    mail.wait_for("ken@mail.test", "was not approved").await;
    let (status, _) = office
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/accounts/{ken_id}"),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // Staff actions: unknown and unsupported types are refused; suspension locks out.
    let (status, body) = office
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/accounts/{id}/action"),
            Some(json!({ "type": "explode" })),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (422, Some("Record invalid"))
    );
    let (status, _) = office
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/accounts/{id}/action"),
            Some(json!({ "type": "silence" })),
        )
        .await;
    assert_eq!(status, 422);
    office
        .post(
            &format!("/api/v1/admin/accounts/{id}/action"),
            json!({ "type": "suspend" }),
        )
        .await;
    let (status, _) = credentials(&hana).await;
    assert!(matches!(status.as_u16(), 401 | 403), "{status}");
    let shown = office.get(&format!("/api/v1/admin/accounts/{id}")).await;
    assert_eq!(shown["suspended"], true);
    office
        .post(&format!("/api/v1/admin/accounts/{id}/unsuspend"), json!({}))
        .await;
    assert_eq!(
        office.get(&format!("/api/v1/admin/accounts/{id}")).await["suspended"],
        false
    );

    // Roles: staff make a member staff through Tsunagu's endpoint.
    let changed = office
        .post(
            &format!("/api/v1/tsunagu/accounts/{id}/role"),
            json!({ "role": "staff" }),
        )
        .await;
    assert_eq!(changed["role"]["name"], "staff");
    let staff_list = office.get("/api/v2/admin/accounts?permissions=staff").await;
    assert_eq!(staff_list.as_array().map(Vec::len), Some(2), "{staff_list}");
}

on_both_backends!(invitations_and_e_mail_domains_skip_approval, invitations);
async fn invitations(backend: Backend) {
    let (uni, mail) = TestInstance::start_with_mail(&backend, Registrations::Closed).await;
    let office = uni.staff("office").await;
    let student = uni.member("student").await;
    let app = app_token(&uni.base).await;

    let v1: Value = http()
        .get(format!("{}/api/v1/instance", uni.base))
        .send()
        .await
        .expect("instance")
        .json()
        .await
        .expect("json");
    assert_eq!(v1["registrations"], false);
    let (status, body) = sign_up(&uni.base, &app, &person("mei", "mei@mail.test")).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap_or_default()
        .contains("closed"));

    // Only staff invite.
    let (status, _) = student
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/invites",
            Some(json!({ "max_uses": 1 })),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = office
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/invites",
            Some(json!({ "max_uses": 0 })),
        )
        .await;
    assert_eq!(status, 422);
    let invite = office
        .post(
            "/api/v1/tsunagu/invites",
            json!({ "max_uses": 1, "expires_in": 86400 }),
        )
        .await;
    let code = invite["code"].as_str().expect("code").to_string();
    assert!(invite["url"]
        .as_str()
        .expect("url")
        .ends_with(&format!("/invite/{code}")));
    assert_eq!(
        office
            .get("/api/v1/tsunagu/invites")
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The invitation opens the closed door once; its account needs no approval.
    let mut mei = person("mei", "mei@mail.test");
    mei.push(("invite_code", &code));
    let (status, body) = sign_up(&uni.base, &app, &mei).await;
    assert_eq!(status, 200, "{body}");
    let mei_member = as_member(&uni, "mei", body["access_token"].as_str().expect("token"));
    let mut again = person("rin", "rin@mail.test");
    again.push(("invite_code", &code));
    let (status, body) = sign_up(&uni.base, &app, &again).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"]["invite_code"][0]["error"], "ERR_INVALID");
    let link = mail.wait_for("mei@mail.test", "/auth/confirm").await;
    open_link(&link.link("/auth/confirm").expect("link")).await;
    let (status, me) = credentials(&mei_member).await;
    assert_eq!(status, 200, "{me}");
    // Welcomed, and invited to introduce herself on the board made for it.
    let welcome = mail
        .wait_for("mei@mail.test", "/new?board=introductions")
        .await;
    assert!(welcome.body.contains("Kobe Alumni"));
    let boards = office.get("/api/v1/tsunagu/boards").await;
    assert!(
        boards
            .as_array()
            .expect("boards")
            .iter()
            .any(|b| b["name"] == "introductions"),
        "{boards}"
    );

    // A withdrawn invitation opens nothing.
    let second = office.post("/api/v1/tsunagu/invites", json!({})).await;
    let second_id = second["id"].as_str().expect("id");
    office
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/tsunagu/invites/{second_id}"),
            None,
        )
        .await;
    let mut late = person("sora", "sora@mail.test");
    late.push(("invite_code", second["code"].as_str().expect("code")));
    assert_eq!(sign_up(&uni.base, &app, &late).await.0, 422);
}

on_both_backends!(institutional_addresses_join_without_approval, domains);
async fn domains(backend: Backend) {
    let (uni, mail) = TestInstance::start_with_mail(&backend, Registrations::Approval).await;
    let office = uni.staff("office").await;
    let app = app_token(&uni.base).await;
    let added = office
        .post(
            "/api/v1/tsunagu/email_domains",
            json!({ "domain": "Kobe-U.test" }),
        )
        .await;
    assert_eq!(added["domain"], "kobe-u.test");
    let (status, _) = office
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/email_domains",
            Some(json!({ "domain": "kobe-u.test" })),
        )
        .await;
    assert_eq!(status, 422, "listed already");
    let (status, body) = sign_up(&uni.base, &app, &person("taro", "taro@st.kobe-u.test")).await;
    assert_eq!(status, 200, "{body}");
    let taro = as_member(&uni, "taro", body["access_token"].as_str().expect("token"));
    let link = mail.wait_for("taro@st.kobe-u.test", "/auth/confirm").await;
    open_link(&link.link("/auth/confirm").expect("link")).await;
    let (status, me) = credentials(&taro).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["tsunagu"]["role"], "student");
    office
        .request(
            reqwest::Method::DELETE,
            "/api/v1/tsunagu/email_domains/kobe-u.test",
            None,
        )
        .await;
    assert_eq!(office.get("/api/v1/tsunagu/email_domains").await, json!([]),);
}

on_both_backends!(
    without_smtp_sign_up_is_refused_with_a_clear_message,
    no_mail
);
async fn no_mail(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let app = app_token(&uni.base).await;
    let v2: Value = http()
        .get(format!("{}/api/v2/instance", uni.base))
        .send()
        .await
        .expect("instance")
        .json()
        .await
        .expect("json");
    assert_eq!(v2["registrations"]["enabled"], false);
    let (status, body) = sign_up(&uni.base, &app, &person("hana", "hana@mail.test")).await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("e-mail"),
        "{body}"
    );
    let page = Browser::new(&uni.base, "en").get("/signup").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("cannot send e-mail"));
}

on_both_backends!(
    the_site_signs_up_confirms_and_resets_passwords_by_mail,
    site
);
async fn site(backend: Backend) {
    let (uni, mail) = TestInstance::start_with_mail(&backend, Registrations::Open).await;
    let browser = Browser::new(&uni.base, "ja");
    let page = browser.get("/signup").await;
    assert_eq!(page.status, 200);
    let token = page.form_token();
    // Without the rules accepted: the form again, with the reason, and nothing made.
    let refused = browser
        .post(
            "/signup",
            &[
                ("form_token", &token),
                ("username", "yui"),
                ("email", "yui@mail.test"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("ルールに同意"), "{}", refused.body);
    let done = browser
        .post(
            "/signup",
            &[
                ("form_token", &token),
                ("username", "yui"),
                ("email", "yui@mail.test"),
                ("password", "correct horse battery"),
                ("agreement", "on"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    // Japanese mail for a Japanese visitor.
    let confirm = mail.wait_for("yui@mail.test", "/auth/confirm").await;
    assert!(confirm.body.contains("確認"), "{}", confirm.body);
    // Unconfirmed: the password is right, but sign-in says why it cannot go on.
    let login = browser.get("/login").await;
    let refused = browser
        .post(
            "/login",
            &[
                ("form_token", &login.form_token()),
                ("back", "/"),
                ("login", "yui"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("メールアドレスを確認"),
        "{}",
        refused.body
    );
    let link = confirm.link("/auth/confirm").expect("link");
    let path = link.trim_start_matches(&uni.base);
    let confirmed = browser.get(path).await;
    assert_eq!(confirmed.status, 200);
    assert!(
        confirmed.body.contains("board%3Dintroductions"),
        "{}",
        confirmed.body
    );
    browser.sign_in("yui").await;

    // Forgotten password: the same answer for unknown addresses, a link for members.
    let visitor = Browser::new(&uni.base, "en");
    let forgot = visitor.get("/auth/forgot").await;
    let token = forgot.form_token();
    let unknown = visitor
        .post(
            "/auth/forgot",
            &[("form_token", &token), ("email", "nobody@mail.test")],
        )
        .await;
    let known = visitor
        .post(
            "/auth/forgot",
            &[("form_token", &token), ("email", "yui@mail.test")],
        )
        .await;
    assert_eq!((unknown.status, known.status), (200, 200));
    assert_eq!(mail.count_to("nobody@mail.test"), 0);
    let reset = mail.wait_for("yui@mail.test", "/auth/reset").await;
    let link = reset.link("/auth/reset").expect("link");
    let path = link.trim_start_matches(&uni.base).to_string();
    let form = visitor.get(&path).await;
    assert_eq!(form.status, 200);
    let reset_token = path.split("token=").nth(1).expect("token").to_string();
    let changed = visitor
        .post(
            "/auth/reset",
            &[
                ("form_token", &form.form_token()),
                ("token", &reset_token),
                ("password", "a new long password"),
            ],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(visitor.get(&path).await.status, 410, "a link works once");
    tsunagu_tests::login(&uni.base, "yui@mail.test", "a new long password").await;
    // The old session was signed out with the old password.
    let home = browser.get("/settings/profile").await;
    assert_ne!(home.status, 200);
}

on_both_backends!(verified_alumni_show_here_and_on_another_instance, verified);
async fn verified(backend: Backend) {
    let uni = TestInstance::start_with(&backend, |s| s.instance.title = "Kobe Alumni".into()).await;
    let corp = TestInstance::start(&backend).await;
    let office = uni.staff("office").await;
    let hana = uni.member("hana").await;
    let bob = corp.member("bob").await;

    let (status, _) = hana
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tsunagu/accounts/{}/verify", hana.id),
            Some(json!({ "graduation_year": 2019 })),
        )
        .await;
    assert_eq!(status, 403, "members do not verify themselves");
    let (status, _) = office
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tsunagu/accounts/{}/verify", hana.id),
            Some(json!({ "graduation_year": 1700 })),
        )
        .await;
    assert_eq!(status, 422);
    let account = office
        .post(
            &format!("/api/v1/tsunagu/accounts/{}/verify", hana.id),
            json!({ "graduation_year": 2019, "department": "Engineering" }),
        )
        .await;
    let alumni = &account["tsunagu"]["alumni"];
    assert_eq!(alumni["graduation_year"], 2019);
    assert_eq!(alumni["department"], "Engineering");
    assert_eq!(alumni["institution"], "Kobe Alumni");
    assert!(alumni["verified_at"].is_string());
    assert!(account["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .any(|f| f["name"] == "Verified alumni"
            && f["value"].as_str().unwrap_or_default().contains("2019")));
    // Her own view carries it too.
    assert_eq!(
        hana.get("/api/v1/accounts/verify_credentials").await["tsunagu"]["alumni"]
            ["graduation_year"],
        2019
    );

    // The actor states it, and another instance shows it for her.
    let (_, actor) = tsunagu_tests::fetch_ap(&hana.actor_url).await;
    assert_eq!(actor["alumni"]["graduationYear"], 2019);
    assert_eq!(actor["alumni"]["institution"], "Kobe Alumni");
    let seen = bob.resolve(&hana.handle).await;
    assert_eq!(seen["tsunagu"]["alumni"]["graduation_year"], 2019, "{seen}");
    assert_eq!(seen["tsunagu"]["alumni"]["institution"], "Kobe Alumni");
}

on_both_backends!(
    the_alumni_roster_verifies_members_and_invites_graduates_once,
    roster
);
async fn roster(backend: Backend) {
    use tsunagu_service::roster::{self, Import};
    let (uni, mail) = TestInstance::start_with_mail(&backend, Registrations::Approval).await;
    let ctx = uni.ctx().clone();
    // Hana joined before the roster came; she is on it.
    let hana = uni.member("hana").await;
    let file = "\u{feff}email,name,graduation_year,department\n\
                hana@example.org,山田 花子,2019,工学部\n\
                ken@mail.test,Ken Sato,2015,Law\n\
                bad-address,Nobody,2015,Law\n";
    let parsed = roster::parse(file.as_bytes()).expect("parse");
    assert_eq!((parsed.rows.len(), parsed.invalid.len()), (2, 1));
    assert_eq!(parsed.invalid[0].line, 4);

    // A dry run counts and changes nothing.
    let dry = roster::import(
        &ctx,
        &parsed.rows,
        Import {
            dry_run: true,
            invite: true,
        },
        &|_| {},
    )
    .await
    .expect("dry run");
    assert_eq!((dry.new, dry.verified, dry.invited), (2, 1, 1));
    assert!(hana.get("/api/v1/accounts/verify_credentials").await["tsunagu"]["alumni"].is_null());
    assert_eq!(mail.count_to("ken@mail.test"), 0);

    let done = std::sync::atomic::AtomicU64::new(0);
    let first = roster::import(
        &ctx,
        &parsed.rows,
        Import {
            dry_run: false,
            invite: true,
        },
        &|n| done.store(n, std::sync::atomic::Ordering::SeqCst),
    )
    .await
    .expect("import");
    assert_eq!((first.new, first.updated, first.unchanged), (2, 0, 0));
    assert_eq!((first.verified, first.invited), (1, 1));
    assert_eq!(
        done.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "progress reached the end"
    );
    let me = hana.get("/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["tsunagu"]["alumni"]["graduation_year"], 2019, "{me}");
    assert_eq!(me["tsunagu"]["alumni"]["department"], "工学部");
    let invitation = mail.wait_for("ken@mail.test", "/invite/").await;
    assert!(invitation.body.contains("Ken Sato"));

    // Again: nothing changes, nobody is mailed twice.
    let again = roster::import(
        &ctx,
        &parsed.rows,
        Import {
            dry_run: false,
            invite: true,
        },
        &|_| {},
    )
    .await
    .expect("again");
    assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!((again.verified, again.invited), (0, 0));
    assert_eq!(mail.count_to("ken@mail.test"), 1);

    // A changed row updates the roster and the member's verification.
    let changed = roster::parse(
        "email,name,graduation_year,department\nhana@example.org,山田 花子,2020,工学部\n"
            .as_bytes(),
    )
    .expect("parse");
    let third = roster::import(&ctx, &changed.rows, Import::default(), &|_| {})
        .await
        .expect("update");
    assert_eq!((third.updated, third.verified), (1, 1));
    let me = hana.get("/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["tsunagu"]["alumni"]["graduation_year"], 2020);

    // Ken follows his invitation: no approval needed, verified once his address is confirmed.
    let link = invitation.link("/invite/").expect("link");
    let code = link.rsplit('/').next().expect("code").to_string();
    let app = app_token(&uni.base).await;
    let mut ken = person("ken", "ken@mail.test");
    ken.push(("invite_code", &code));
    let (status, body) = sign_up(&uni.base, &app, &ken).await;
    assert_eq!(status, 200, "{body}");
    let ken = as_member(&uni, "ken", body["access_token"].as_str().expect("token"));
    let confirm = mail.wait_for("ken@mail.test", "/auth/confirm").await;
    open_link(&confirm.link("/auth/confirm").expect("link")).await;
    let me = ken.get("/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["tsunagu"]["alumni"]["graduation_year"], 2015, "{me}");
    assert_eq!(me["display_name"], "Ken Sato");
}

on_both_backends!(members_export_their_data_and_delete_their_account, own_data);
async fn own_data(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let office = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let (status, _) = alice
        .request(
            reqwest::Method::PUT,
            "/api/v1/tsunagu/profile",
            Some(json!({ "fields": [{ "field": "employer", "value": "Kobe Port", "visibility": "local" }] })),
        )
        .await;
    assert_eq!(status, 200);
    alice.follow(&bob.handle).await;
    bob.follow(&alice.handle).await;
    let post = alice
        .status("Reunion photos, \"quoted\", and a comma")
        .await;
    let post_id = post["id"].as_str().expect("id").to_string();
    bob.wait_in_home(post["uri"].as_str().expect("uri")).await;
    let bob_address = format!("bob@{}", corp.domain);

    let export = alice.get("/api/v1/tsunagu/export").await;
    assert_eq!(export["account"]["username"], "alice");
    assert_eq!(export["profile"][0]["value"], "Kobe Port");
    assert_eq!(
        export["posts"][0]["text"],
        "Reunion photos, \"quoted\", and a comma"
    );
    assert_eq!(export["following"][0]["address"], bob_address.as_str());
    tsunagu_tests::eventually("bob's follow to arrive", || {
        let alice = alice.clone();
        async move {
            let e = alice.get("/api/v1/tsunagu/export").await;
            (e["followers"].as_array().map(Vec::len) == Some(1)).then_some(())
        }
    })
    .await;
    let csv = |path: String, token: String| async move {
        let res = http()
            .get(path)
            .bearer_auth(token)
            .send()
            .await
            .expect("csv");
        let status = res.status();
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, kind, res.text().await.expect("text"))
    };
    let (status, kind, posts) = csv(
        format!("{}/api/v1/tsunagu/export/posts.csv", uni.base),
        alice.token.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(
        posts.starts_with("id,url,created_at,visibility,in_reply_to,title,text\n"),
        "{posts}"
    );
    assert!(
        posts.contains("\"Reunion photos, \"\"quoted\"\", and a comma\""),
        "{posts}"
    );
    let (_, _, following) = csv(
        format!("{}/api/v1/tsunagu/export/following.csv", uni.base),
        alice.token.clone(),
    )
    .await;
    assert_eq!(
        following,
        format!("Account address,Show boosts,Notify on new posts,Languages\n{bob_address},true,false,\n")
    );
    let (status, _, _) = csv(
        format!("{}/api/v1/tsunagu/export/secrets.csv", uni.base),
        alice.token.clone(),
    )
    .await;
    assert_eq!(status, 404);
    // Staff export a member's data; nobody else does.
    let staff_copy = office
        .get(&format!("/api/v1/tsunagu/accounts/{}/export", alice.id))
        .await;
    assert_eq!(staff_copy["account"]["email"], "alice@example.org");
    let (status, _) = bob
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/tsunagu/accounts/{}/export", alice.id),
            None,
        )
        .await;
    assert!(status.is_client_error());

    let seen_as = bob.resolve(&alice.handle).await["id"]
        .as_str()
        .expect("alice on corp")
        .to_string();
    // Deleting asks for the password, and a wrong one changes nothing.
    let (status, _) = alice
        .request(
            reqwest::Method::DELETE,
            "/api/v1/tsunagu/account",
            Some(json!({ "password": "guess" })),
        )
        .await;
    assert_eq!(status, 403);
    alice.get("/api/v1/accounts/verify_credentials").await;
    let (status, body) = alice
        .request(
            reqwest::Method::DELETE,
            "/api/v1/tsunagu/account",
            Some(json!({ "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = alice
        .request(
            reqwest::Method::GET,
            "/api/v1/accounts/verify_credentials",
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = office
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/statuses/{post_id}"),
            None,
        )
        .await;
    assert_eq!(status, 404, "her posts are gone here");
    let (status, _) = office
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/accounts/{}", alice.id),
            None,
        )
        .await;
    assert_eq!(status, 404);
    // Her name is not free for someone else.
    let taken = tsunagu_service::accounts::create_member(
        uni.ctx(),
        tsunagu_service::accounts::NewMember {
            username: "alice".into(),
            email: "new-alice@example.org".into(),
            password: "correct horse battery".into(),
            role: tsunagu_service::accounts::Role::Alumnus,
            display_name: None,
            admission: Default::default(),
        },
    )
    .await;
    assert!(taken.is_err());
    // Bob's server heard of it: the account and her post are gone there too.
    tsunagu_tests::eventually("corp to forget alice", || {
        let (bob, path) = (bob.clone(), format!("/api/v1/accounts/{seen_as}"));
        async move {
            let (status, _) = bob.request(reqwest::Method::GET, &path, None).await;
            (status == 404).then_some(())
        }
    })
    .await;

    // On the site: the downloads and the delete form, which asks for the password.
    let dan = uni.member("dan").await;
    dan.status("Hello from the site").await;
    let browser = Browser::new(&uni.base, "en");
    browser.sign_in("dan").await;
    let settings = browser.get("/settings/profile").await;
    assert!(settings.body.contains("/settings/export.json"));
    let json = browser.get("/settings/export.json").await;
    assert_eq!(json.status, 200);
    assert!(json.body.contains("Hello from the site"));
    let posts = browser.get("/settings/export/posts.csv").await;
    assert!(posts.body.starts_with("id,url,"), "{}", posts.body);
    let token = settings.form_token();
    let wrong = browser
        .post(
            "/settings/delete",
            &[("form_token", &token), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, 403);
    let gone = browser
        .post(
            "/settings/delete",
            &[
                ("form_token", &token),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    let (status, _) = dan
        .request(
            reqwest::Method::GET,
            "/api/v1/accounts/verify_credentials",
            None,
        )
        .await;
    assert_eq!(status, 401);

    // Staff export and delete a member's account from the members page.
    let erin = uni.member("erin").await;
    let (erin_user, _) = tsunagu_service::accounts::find_member(uni.ctx(), "erin")
        .await
        .expect("erin");
    let staff_browser = Browser::new(&uni.base, "en");
    staff_browser.sign_in("office").await;
    let exported = staff_browser
        .get(&format!("/admin/members/{}/export.json", erin_user.id))
        .await;
    assert_eq!(exported.status, 200);
    assert!(exported.body.contains("erin@example.org"));
    let members = staff_browser.get("/admin/members").await;
    let removed = staff_browser
        .post(
            &format!("/admin/members/{}", erin_user.id),
            &[("form_token", &members.form_token()), ("action", "delete")],
        )
        .await;
    assert_eq!(removed.status, 303, "{}", removed.body);
    let (status, _) = erin
        .request(
            reqwest::Method::GET,
            "/api/v1/accounts/verify_credentials",
            None,
        )
        .await;
    assert_eq!(status, 401);

    // Staff delete a member's account through the admin API.
    let carol = uni.member("carol").await;
    office
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/accounts/{}", carol.id),
            None,
        )
        .await;
    let (status, _) = carol
        .request(
            reqwest::Method::GET,
            "/api/v1/accounts/verify_credentials",
            None,
        )
        .await;
    assert_eq!(status, 401);
}

on_both_backends!(
    a_server_states_the_alumni_status_of_its_own_members_only,
    own_members_only
);
async fn own_members_only(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let evil = tsunagu_tests::stub::StubPeer::start("mastodon").await;
    let mallory = evil.add_person("mallory");
    let claim = json!({ "institution": "Evil U", "graduationYear": 2000, "department": "Forgery" });
    let mut doc = tsunagu_tests::fetch_ap(&mallory).await.1;
    doc["alumni"] = claim.clone();
    doc["alumniProfile"] = json!({ "employer": "<b>Evil</b> Corp" });
    evil.serve(doc);

    let bob_here = alice.resolve(&bob.handle).await;
    assert!(bob_here["tsunagu"]["alumni"].is_null());
    // Mallory's server speaks for Mallory: kept as stated, as plain text, under its host.
    let mallory_here = alice.resolve(&format!("mallory@{}", evil.domain)).await;
    assert_eq!(mallory_here["tsunagu"]["alumni"]["institution"], "Evil U");
    let found = alice.get("/api/v1/directory?employer=evil%20corp").await;
    assert_eq!(
        found[0]["acct"],
        format!("mallory@{}", evil.domain).as_str()
    );

    // It cannot speak for Bob (on corp) or for Alice (here), whatever it sends.
    for victim in [bob.actor_url.clone(), alice.actor_url.clone()] {
        let update = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": evil.url(&format!("/updates/{}", victim.len())),
            "type": "Update",
            "actor": mallory,
            "object": { "id": victim, "type": "Person", "preferredUsername": "x",
                        "inbox": format!("{victim}/inbox"), "alumni": claim },
        });
        let status = evil.send(&format!("{}/inbox", uni.base), &update).await;
        assert!(status.is_success() || status.is_client_error(), "{status}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let bob_here = alice.resolve(&bob.handle).await;
    assert!(bob_here["tsunagu"]["alumni"].is_null(), "{bob_here}");
    let me = alice.get("/api/v1/accounts/verify_credentials").await;
    assert!(me["tsunagu"]["alumni"].is_null(), "{me}");
}
