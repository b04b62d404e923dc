//! Articles: alumni write about their work. An article is a public post of type `Article`
//! with a title (`name`), a lead (`summary`) and a Markdown body; Mastodon shows its title,
//! lead and a link to its page (`/articles/ID`), forums and Tsunagu show the whole text.

use crate::error::{invalid, invalid_as};
use crate::posts::{random_token, PostVisibility};
use crate::{html, Context, ServiceResult};
use tsunagu_db::queries::{joining as q, posts};
use tsunagu_db::{now, Actor, NewPost, Post};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_SUMMARY_CHARS: usize = 500;
pub const MAX_BODY_CHARS: usize = 100_000;
pub const MAX_TAGS: usize = 10;

pub struct NewArticle {
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
}

/// Publishes an article by `author` (a member here), to everyone and their followers.
pub async fn publish(ctx: &Context, author: &Actor, new: NewArticle) -> ServiceResult<Post> {
    let title = new.title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid_as(
            "title-length",
            format!("title must be 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    let summary = new.summary.trim().to_string();
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        return Err(invalid(format!(
            "summary must be at most {MAX_SUMMARY_CHARS} characters"
        )));
    }
    if new.body.trim().is_empty() || new.body.chars().count() > MAX_BODY_CHARS {
        return Err(invalid_as(
            "body-too-long",
            format!("body must be 1 to {MAX_BODY_CHARS} characters"),
        ));
    }
    let mut tags: Vec<String> = new
        .tags
        .iter()
        .filter_map(|t| html::parse_hashtag(&format!("#{}", t.trim().trim_start_matches('#'))))
        .map(|t| t.to_lowercase())
        .collect();
    if tags.len() > MAX_TAGS {
        return Err(invalid(format!("at most {MAX_TAGS} tags")));
    }
    let (content, mentioned, body_tags) =
        crate::posts::render_markdown_text(ctx, &new.body).await?;
    tags.extend(body_tags);
    tags.sort();
    tags.dedup();
    let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    let row = NewPost {
        ap_id: ctx.url(&format!("/pending/{}", random_token())),
        author_id: author.id,
        kind: "Article".into(),
        in_reply_to_id: None,
        in_reply_to_ap_id: None,
        reblog_of_id: None,
        context: None,
        name: Some(title),
        content,
        source: Some(new.body),
        summary,
        sensitive: false,
        visibility: PostVisibility::Public.as_str().into(),
        url: None,
        local: true,
        created_at: now(),
    };
    crate::posts::insert_with_page(ctx, row, "articles", mention_ids, tags, |_, _| Ok(())).await
}

/// Articles newest first: one author's (here or elsewhere), or this instance's.
pub async fn list(
    ctx: &Context,
    author: Option<i64>,
    max_id: Option<i64>,
    limit: i64,
) -> ServiceResult<Vec<Post>> {
    let found = ctx
        .db
        .read(move |c| q::articles(c, author, author.is_none(), max_id, limit))
        .await?;
    // The one visibility rule (refused servers, moderators' removals) applies here too.
    crate::posts::filter_visible(ctx, None, found).await
}

/// One article, if it is one and not deleted.
pub async fn get(ctx: &Context, id: i64) -> ServiceResult<Post> {
    let post = ctx
        .db
        .read(move |c| posts::by_id(c, id))
        .await
        .map_err(|_| crate::ServiceError::NotFound("article"))?;
    if post.kind != "Article" || post.deleted_at.is_some() || post.visibility != "public" {
        return Err(crate::ServiceError::NotFound("article"));
    }
    crate::posts::filter_visible(ctx, None, vec![post])
        .await?
        .pop()
        .ok_or(crate::ServiceError::NotFound("article"))
}
