//! Every federation route in one place, and the handlers that serve our actors and objects.

use crate::discovery;
use crate::inbox::post_inbox;
use crate::objects::{actor_json, post_json, with_context};
use crate::signed_fetch::Signer;
use crate::{Data, FedError};
use activitypub_federation::axum::json::FederationJson;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, deliveries, follows, posts, Page};
use tsunagu_db::{Actor, Post};
use tsunagu_service::timelines;

/// `authorized_fetch`: posts, collections and activities only for signed requests (see
/// [`crate::signed_fetch`]); actors and discovery stay open.
pub fn router(authorized_fetch: bool) -> Router {
    let objects = Router::new()
        .route("/boards/{name}/outbox", get(get_outbox))
        .route("/boards/{name}/followers", get(get_followers))
        .route("/boards/{name}/following", get(get_following))
        .route("/boards/{name}/moderators", get(get_board_moderators))
        .route("/boards/{name}/featured", get(get_board_featured))
        .route("/users/{name}/outbox", get(get_outbox))
        .route("/users/{name}/followers", get(get_followers))
        .route("/users/{name}/following", get(get_following))
        .route("/users/{name}/featured", get(get_member_featured))
        .route("/posts/{id}", get(get_post))
        .route("/posts/{id}/activity", get(get_post_activity))
        .route("/posts/{id}/replies", get(get_replies))
        .route("/contexts/{id}", get(get_context))
        .route("/activities/{kind}/{token}", get(get_activity));
    let objects = if authorized_fetch {
        objects.route_layer(axum::middleware::from_fn(
            crate::signed_fetch::require_signature,
        ))
    } else {
        objects
    };
    Router::new()
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/.well-known/host-meta", get(discovery::host_meta))
        .route("/nodeinfo/2.0", get(discovery::nodeinfo_20))
        .route("/nodeinfo/2.1", get(discovery::nodeinfo_21))
        .route("/actor", get(get_instance_actor))
        .route("/actor/inbox", post(post_inbox))
        .route("/inbox", post(post_inbox))
        .route("/users/{name}", get(get_actor))
        .route("/boards/{name}", get(get_board))
        .route("/boards/{name}/inbox", post(post_inbox))
        .route("/users/{name}/inbox", post(post_inbox))
        .merge(objects)
}

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<String>,
    max_id: Option<i64>,
}

fn ap_json(value: Value) -> Response {
    FederationJson(value).into_response()
}

fn tombstone(id: &str, former_type: &str) -> Response {
    let body = with_context(json!({ "id": id, "type": "Tombstone", "formerType": former_type }));
    (StatusCode::GONE, FederationJson(body)).into_response()
}

async fn local_actor(data: &Data, name: &str) -> Result<Actor, FedError> {
    let (name, host) = (name.to_string(), data.domain().to_string());
    data.db
        .read(move |c| actors::by_handle(c, &name, &host))
        .await?
        .filter(|a| a.local && a.kind != "Application")
        .ok_or(FedError::NotFound)
}

async fn get_instance_actor(data: Data) -> Result<Response, FedError> {
    let actor = tsunagu_service::accounts::instance_actor(data.app_data()).await?;
    Ok(ap_json(actor_json(data.app_data(), &actor).await?))
}

async fn get_actor(Path(name): Path<String>, data: Data) -> Result<Response, FedError> {
    serve_actor(&data, &name, "Person", "users").await
}

async fn get_board(Path(name): Path<String>, data: Data) -> Result<Response, FedError> {
    serve_actor(&data, &name, "Group", "boards").await
}

async fn local_board(data: &Data, name: &str) -> Result<Actor, FedError> {
    Some(local_actor(data, name).await?)
        .filter(|a| a.kind == "Group")
        .ok_or(FedError::NotFound)
}

async fn get_board_moderators(Path(name): Path<String>, data: Data) -> Result<Response, FedError> {
    let board = local_board(&data, &name).await?;
    Ok(ap_json(
        crate::boards::moderators_collection(&data, &board).await?,
    ))
}

async fn get_board_featured(Path(name): Path<String>, data: Data) -> Result<Response, FedError> {
    let board = local_board(&data, &name).await?;
    Ok(ap_json(
        crate::boards::featured_collection(&data, &board).await?,
    ))
}

/// A local actor of `kind` at `/{prefix}/{name}`, or a Tombstone if it was deleted.
async fn serve_actor(
    data: &Data,
    name: &str,
    kind: &str,
    prefix: &str,
) -> Result<Response, FedError> {
    let (n, host) = (name.to_string(), data.domain().to_string());
    let actor = data
        .db
        .read(move |c| actors::by_handle(c, &n, &host))
        .await?;
    // by_handle hides deleted actors; look again to answer 410 for them.
    let actor = match actor {
        Some(a) => a,
        None => {
            let url = data.app_data().url(&format!("/{prefix}/{name}"));
            let gone = data.db.read(move |c| actors::by_ap_id(c, &url)).await?;
            return match gone {
                Some(a) if a.deleted => Ok(tombstone(&a.ap_id, &a.kind)),
                _ => Err(FedError::NotFound),
            };
        }
    };
    if !actor.local || actor.kind != kind {
        return Err(FedError::NotFound);
    }
    Ok(ap_json(actor_json(data.app_data(), &actor).await?))
}

/// A collection's summary, or one page of it (newest first, paged by `max_id`).
fn collection(
    id: &str,
    total: i64,
    page: Option<(Vec<Value>, Option<i64>)>,
    max_id: Option<i64>,
) -> Value {
    match page {
        None => with_context(json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=true"),
        })),
        Some((items, next)) => {
            let page_id = match max_id {
                Some(m) => format!("{id}?page=true&max_id={m}"),
                None => format!("{id}?page=true"),
            };
            let mut value = json!({
                "id": page_id,
                "type": "OrderedCollectionPage",
                "partOf": id,
                "totalItems": total,
                "orderedItems": items,
            });
            if let Some(next) = next {
                value["next"] = json!(format!("{id}?page=true&max_id={next}"));
            }
            with_context(value)
        }
    }
}

async fn follow_collection(
    data: &Data,
    name: &str,
    outgoing: bool,
    q: PageQuery,
) -> Result<Response, FedError> {
    let actor = local_actor(data, name).await?;
    let id = if outgoing {
        actor.following_url.clone()
    } else {
        actor.followers_url.clone()
    }
    .unwrap_or_default();
    let aid = actor.id;
    let total = data
        .db
        .read(move |c| {
            if outgoing {
                follows::count_following(c, aid)
            } else {
                follows::count_followers(c, aid)
            }
        })
        .await?;
    let page = if q.page.is_some() {
        let max_id = q.max_id;
        let rows = data
            .db
            .read(move |c| {
                if outgoing {
                    follows::following(c, aid, max_id, PAGE_SIZE)
                } else {
                    follows::followers(c, aid, max_id, PAGE_SIZE)
                }
            })
            .await?;
        let next = (rows.len() as i64 == PAGE_SIZE)
            .then(|| rows.last().map(|(f, _)| f.id))
            .flatten();
        Some((
            rows.into_iter().map(|(_, a)| json!(a.ap_id)).collect(),
            next,
        ))
    } else {
        None
    };
    Ok(ap_json(collection(&id, total, page, q.max_id)))
}

async fn get_followers(
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    data: Data,
) -> Result<Response, FedError> {
    follow_collection(&data, &name, false, q).await
}

async fn get_following(
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    data: Data,
) -> Result<Response, FedError> {
    follow_collection(&data, &name, true, q).await
}

/// The activity that published a post: `Create` for posts, `Announce` for boosts.
async fn publishing_activity(data: &Data, post: &Post) -> Result<Value, FedError> {
    let ctx = data.app_data();
    if let Some(original) = post.reblog_of_id {
        let (original, actor) = {
            let aid = post.author_id;
            data.db
                .read(move |c| Ok((posts::by_id(c, original)?, actors::by_id(c, aid)?)))
                .await?
        };
        return Ok(json!({
            "id": post.ap_id,
            "type": "Announce",
            "actor": actor.ap_id,
            "published": crate::objects::format_time(post.created_at),
            "to": [crate::objects::PUBLIC],
            "cc": [actor.followers_url],
            "object": original.ap_id,
        }));
    }
    let mut object = post_json(ctx, post).await?;
    if let Value::Object(map) = &mut object {
        map.remove("@context");
    }
    Ok(json!({
        "id": format!("{}/activity", post.ap_id),
        "type": "Create",
        "actor": object["attributedTo"],
        "published": object["published"],
        "to": object["to"],
        "cc": object["cc"],
        "object": object,
    }))
}

async fn get_outbox(
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    data: Data,
) -> Result<Response, FedError> {
    let actor = local_actor(&data, &name).await?;
    let id = actor.outbox_url.clone().unwrap_or_default();
    let aid = actor.id;
    let public = move |c: &mut tsunagu_db::Conn, page: Page| {
        posts::by_author(
            c,
            aid,
            posts::AuthorFilter {
                public_only: true,
                ..Default::default()
            },
            page,
        )
    };
    let total = data
        .db
        .read(move |c| Ok(public(c, Page::first(10_000))?.len() as i64))
        .await?;
    let page = if q.page.is_some() {
        let max_id = q.max_id;
        let rows = data
            .db
            .read(move |c| {
                public(
                    c,
                    Page {
                        max_id,
                        limit: PAGE_SIZE,
                        ..Page::default()
                    },
                )
            })
            .await?;
        let next = (rows.len() as i64 == PAGE_SIZE)
            .then(|| rows.last().map(|p| p.id))
            .flatten();
        let mut items = Vec::with_capacity(rows.len());
        for post in &rows {
            items.push(publishing_activity(&data, post).await?);
        }
        Some((items, next))
    } else {
        None
    };
    Ok(ap_json(collection(&id, total, page, q.max_id)))
}

/// A local post anyone may see, or the reason it cannot be shown.
/// The signer of a request, when authorized fetch checked one.
type MaybeSigner = Option<Extension<Signer>>;

async fn public_local_post(
    data: &Data,
    id: i64,
    signer: &MaybeSigner,
) -> Result<Result<Post, Response>, FedError> {
    let post = data
        .db
        .read(move |c| posts::by_id(c, id))
        .await
        .map_err(|_| FedError::NotFound)?;
    if !post.local || post.reblog_of_id.is_some() {
        return Err(FedError::NotFound);
    }
    if let Some(Extension(Signer(who))) = signer {
        // An author's posts are not served to an actor the author blocks.
        let (author, who) = (post.author_id, who.id);
        let blocked = data
            .db
            .read(move |c| tsunagu_db::queries::blocks::block_of(c, author, who))
            .await?
            .is_some();
        if blocked {
            return Err(FedError::NotFound);
        }
    }
    if post.deleted_at.is_some() {
        return Ok(Err(tombstone(&post.ap_id, &post.kind)));
    }
    if !matches!(post.visibility.as_str(), "public" | "unlisted") {
        return Err(FedError::NotFound);
    }
    Ok(Ok(post))
}

async fn get_post(
    Path(id): Path<i64>,
    signer: MaybeSigner,
    data: Data,
) -> Result<Response, FedError> {
    match public_local_post(&data, id, &signer).await? {
        Ok(post) => Ok(ap_json(post_json(data.app_data(), &post).await?)),
        Err(gone) => Ok(gone),
    }
}

async fn get_post_activity(
    Path(id): Path<i64>,
    signer: MaybeSigner,
    data: Data,
) -> Result<Response, FedError> {
    match public_local_post(&data, id, &signer).await? {
        Ok(post) => Ok(ap_json(with_context(
            publishing_activity(&data, &post).await?,
        ))),
        Err(gone) => Ok(gone),
    }
}

async fn get_replies(
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
    signer: MaybeSigner,
    data: Data,
) -> Result<Response, FedError> {
    let post = match public_local_post(&data, id, &signer).await? {
        Ok(post) => post,
        Err(gone) => return Ok(gone),
    };
    let collection_id = format!("{}/replies", post.ap_id);
    let replies: Vec<Post> = data
        .db
        .read(move |c| posts::replies_to(c, &[id]))
        .await?
        .into_iter()
        .filter(|p| matches!(p.visibility.as_str(), "public" | "unlisted"))
        .collect();
    let total = replies.len() as i64;
    let page = q.page.is_some().then(|| {
        // Oldest first, paged by id: replies read top to bottom.
        let after = q.max_id.unwrap_or(0);
        let items: Vec<&Post> = replies
            .iter()
            .filter(|p| p.id > after)
            .take(PAGE_SIZE as usize)
            .collect();
        let next = (items.len() as i64 == PAGE_SIZE)
            .then(|| items.last().map(|p| p.id))
            .flatten();
        (items.into_iter().map(|p| json!(p.ap_id)).collect(), next)
    });
    Ok(ap_json(collection(&collection_id, total, page, q.max_id)))
}

/// FEP-7888 / FEP-f228: a thread's context resolves to its posts, in order.
async fn get_context(
    Path(id): Path<i64>,
    signer: MaybeSigner,
    data: Data,
) -> Result<Response, FedError> {
    let root = match public_local_post(&data, id, &signer).await? {
        Ok(post) => post,
        Err(gone) => return Ok(gone),
    };
    let context_id = data.app_data().url(&format!("/contexts/{id}"));
    let mut items = vec![json!(root.ap_id)];
    for p in timelines::descendants(data.app_data(), root.id, 5000).await? {
        if matches!(p.visibility.as_str(), "public" | "unlisted") {
            items.push(json!(p.ap_id));
        }
    }
    let author = {
        let aid = root.author_id;
        data.db.read(move |c| actors::by_id(c, aid)).await?
    };
    Ok(ap_json(with_context(json!({
        "id": context_id,
        "type": "OrderedCollection",
        "attributedTo": author.ap_id,
        "totalItems": items.len(),
        "orderedItems": items,
    }))))
}

async fn get_activity(
    Path((kind, token)): Path<(String, String)>,
    data: Data,
) -> Result<Response, FedError> {
    let url = data.app_data().url(&format!("/activities/{kind}/{token}"));
    let row = data
        .db
        .read(move |c| deliveries::activity_by_ap_id(c, &url))
        .await?
        .ok_or(FedError::NotFound)?;
    let body: Value =
        serde_json::from_str(&row.body).map_err(|e| FedError::Internal(e.to_string()))?;
    // Activities addressed to a few people only are not for everyone to read.
    let public = ["to", "cc"].iter().any(|k| {
        crate::objects::ids_of(&body[*k])
            .iter()
            .any(|a| crate::objects::is_public(a))
    });
    if !public
        && !matches!(
            kind.as_str(),
            "follow" | "accept" | "reject" | "like" | "undo"
        )
    {
        return Err(FedError::NotFound);
    }
    Ok(ap_json(body))
}

/// A member's pinned statuses (Mastodon's `featured` collection).
async fn get_member_featured(Path(name): Path<String>, data: Data) -> Result<Response, FedError> {
    let member = local_actor(&data, &name).await?;
    let mut items = Vec::new();
    for post in tsunagu_service::posts::pinned(data.app_data(), member.id).await? {
        if matches!(post.visibility.as_str(), "public" | "unlisted") {
            let mut object = post_json(data.app_data(), &post).await?;
            if let Value::Object(map) = &mut object {
                map.remove("@context");
            }
            items.push(object);
        }
    }
    Ok(ap_json(with_context(json!({
        "id": format!("{}/featured", member.ap_id),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    }))))
}
