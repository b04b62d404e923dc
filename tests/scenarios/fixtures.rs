//! Payloads captured from other fediverse software (tests/fixtures/activitypub, from the Lemmy
//! project's test assets) parse into our wire types without losing what we use.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tsunagu_federation::objects::{ids_of, ActorJson, PostJson};

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/activitypub");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

const ACTOR_TYPES: &[&str] = &["Person", "Group", "Application", "Service", "Organization"];
const POST_TYPES: &[&str] = &["Note", "Page", "Article", "Question", "Event", "Video"];

fn check_actor(path: &Path, v: &Value) {
    let actor: ActorJson =
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        actor.id,
        url::Url::parse(v["id"].as_str().expect("id")).expect("url")
    );
    assert_eq!(
        actor.inbox,
        url::Url::parse(v["inbox"].as_str().expect("inbox")).expect("url")
    );
    assert_eq!(
        actor.public_key.public_key_pem,
        v["publicKey"]["publicKeyPem"].as_str().expect("key")
    );
    assert_eq!(
        actor.preferred_username.as_deref(),
        v["preferredUsername"].as_str()
    );
    let fields = v["attachment"].as_array().map_or(0, |a| {
        a.iter().filter(|x| x["type"] == "PropertyValue").count()
    });
    let parsed = actor
        .attachment
        .iter()
        .filter(|x| x["type"] == "PropertyValue")
        .count();
    assert_eq!(parsed, fields, "{}: profile fields", path.display());
}

fn check_post(path: &Path, v: &Value) {
    let post: PostJson =
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        post.id,
        url::Url::parse(v["id"].as_str().expect("id")).expect("url")
    );
    assert_eq!(
        post.author_id(),
        ids_of(&v["attributedTo"]).into_iter().next(),
        "{}",
        path.display()
    );
    assert_eq!(
        post.content.as_deref(),
        v["content"].as_str(),
        "{}",
        path.display()
    );
    assert_eq!(
        post.name.as_deref(),
        v["name"].as_str(),
        "{}",
        path.display()
    );
    assert_eq!(post.to, ids_of(&v["to"]), "{}", path.display());
    assert_eq!(post.cc, ids_of(&v["cc"]), "{}", path.display());
    let tags = match &v["tag"] {
        Value::Array(a) => a.len(),
        Value::Null => 0,
        _ => 1,
    };
    assert_eq!(post.tag.len(), tags, "{}: tags", path.display());
    if let Some(parent) = v["inReplyTo"].as_str() {
        assert_eq!(
            post.in_reply_to.as_ref().and_then(|p| p.as_str()),
            Some(parent)
        );
    }
}

#[test]
fn captured_payloads_parse_without_losing_fields() {
    let files = fixture_files();
    assert!(files.len() > 50, "fixtures are missing: {}", files.len());
    let (mut actors, mut posts, mut activities) = (0, 0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let kind = v["type"].as_str().unwrap_or_default();
        if ACTOR_TYPES.contains(&kind) && v.get("publicKey").is_some() {
            check_actor(path, &v);
            actors += 1;
        } else if POST_TYPES.contains(&kind) {
            check_post(path, &v);
            posts += 1;
        } else if v.get("actor").is_some() {
            // Activities: the inbox needs an id and an actor id; an embedded post must parse.
            assert!(
                v["id"].as_str().is_some(),
                "{}: activity id",
                path.display()
            );
            assert!(!ids_of(&v["actor"]).is_empty(), "{}: actor", path.display());
            if let Some(obj) = v.get("object").filter(|o| o.is_object()) {
                if POST_TYPES.contains(&obj["type"].as_str().unwrap_or_default()) {
                    check_post(path, obj);
                }
            }
            activities += 1;
        }
    }
    assert!(
        actors >= 10 && posts >= 10 && activities >= 30,
        "{actors} actors, {posts} posts, {activities} activities"
    );
}
