//! Media: images members upload for their statuses and profiles, and attachments seen on
//! other servers' posts (kept as links, never fetched).
//!
//! An upload is accepted for what its bytes are, not for the name or type the client gave:
//! the format and the dimensions are read from the file's own header.

mod metadata;

use crate::error::{invalid, invalid_as};
use crate::posts::random_token;
use crate::{Context, ServiceError, ServiceResult};
use tsunagu_db::queries::media;
use tsunagu_db::{now, Actor, Media, NewMedia};

/// Largest image accepted, in bytes (Mastodon's limit is 16 MB).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Largest image accepted, in pixels (Mastodon's limit: 33 177 600, a 7680×4320 picture).
pub const MAX_IMAGE_PIXELS: u64 = 33_177_600;
/// Longest description (alt text), in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1500;
/// Attachments on one status.
pub const MAX_ATTACHMENTS: usize = 4;

/// The image formats accepted, as (MIME type, file extension, format).
fn format_of(bytes: &[u8]) -> Option<(&'static str, &'static str, metadata::Format)> {
    use imagesize::ImageType;
    use metadata::Format;
    match imagesize::image_type(bytes).ok()? {
        ImageType::Png => Some(("image/png", "png", Format::Png)),
        ImageType::Jpeg => Some(("image/jpeg", "jpg", Format::Jpeg)),
        ImageType::Gif => Some(("image/gif", "gif", Format::Gif)),
        ImageType::Webp => Some(("image/webp", "webp", Format::Webp)),
        _ => None,
    }
}

/// A failed attaching write: an upload taken by another status meanwhile, or a database error.
pub(crate) fn attach_failed(e: tsunagu_db::DbError) -> ServiceError {
    if e.is_rollback() {
        invalid("a media attachment is no longer available")
    } else {
        e.into()
    }
}

/// The MIME type of a stored file, from the extension it was given at upload.
pub fn content_type_of(file_name: &str) -> Option<&'static str> {
    match file_name.rsplit_once('.')?.1 {
        "png" => Some("image/png"),
        "jpg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

/// An uploaded file by its name, with its MIME type; `NotFound` for names we never gave out
/// (only `[a-z0-9]+.ext` names, so no path can leave the media directory).
pub async fn stored_file(ctx: &Context, name: &str) -> ServiceResult<(&'static str, Vec<u8>)> {
    let not_found = || ServiceError::NotFound("media file");
    let valid = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    let content_type = content_type_of(name)
        .filter(|_| valid)
        .ok_or_else(not_found)?;
    let bytes = tokio::fs::read(ctx.media_dir.join(name))
        .await
        .map_err(|_| not_found())?;
    Ok((content_type, bytes))
}

/// A focal point as Mastodon writes it: `"x,y"`, each from -1.0 to 1.0.
pub fn parse_focus(raw: &str) -> ServiceResult<(f64, f64)> {
    let bad = || invalid("focus must be two numbers from -1.0 to 1.0, as \"x,y\"");
    let (x, y) = raw.split_once(',').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    let y: f64 = y.trim().parse().map_err(|_| bad())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok((x, y))
}

fn check_description(description: &str) -> ServiceResult<()> {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid(format!(
            "description is too long (at most {MAX_DESCRIPTION_CHARS} characters)"
        )));
    }
    Ok(())
}

/// Checks an image and keeps it under the media directory, owned by `owner` and attached to
/// nothing yet.
pub async fn upload(
    ctx: &Context,
    owner: &Actor,
    bytes: &[u8],
    description: &str,
    focus: Option<(f64, f64)>,
) -> ServiceResult<Media> {
    if bytes.is_empty() {
        return Err(invalid("file is empty"));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(invalid(format!(
            "file is too large (at most {} MB)",
            MAX_IMAGE_BYTES / (1024 * 1024)
        )));
    }
    let (content_type, ext, format) = format_of(bytes).ok_or_else(|| {
        invalid("file is not an image this server accepts (PNG, JPEG, GIF or WebP)")
    })?;
    let size = imagesize::blob_size(bytes)
        .map_err(|_| invalid("image is damaged: its dimensions cannot be read"))?;
    if size.width == 0 || size.height == 0 {
        return Err(invalid("image has no pixels"));
    }
    if (size.width as u64) * (size.height as u64) > MAX_IMAGE_PIXELS {
        return Err(invalid(format!(
            "image is too large (at most {MAX_IMAGE_PIXELS} pixels)"
        )));
    }
    check_description(description)?;
    // Camera details and GPS positions are not published.
    let bytes = metadata::strip(format, bytes)
        .ok_or_else(|| invalid("image is damaged: its structure cannot be read"))?;
    let file_name = format!("{}.{ext}", random_token());
    tokio::fs::create_dir_all(&ctx.media_dir)
        .await
        .map_err(|e| ServiceError::Internal(format!("media directory: {e}")))?;
    tokio::fs::write(ctx.media_dir.join(&file_name), &bytes)
        .await
        .map_err(|e| ServiceError::Internal(format!("writing media: {e}")))?;
    let (fx, fy) = focus.unwrap_or((0.0, 0.0));
    let row = NewMedia {
        owner_id: owner.id,
        post_id: None,
        position: 0,
        kind: "image".into(),
        content_type: content_type.into(),
        file_name: Some(file_name),
        remote_url: None,
        description: description.trim().to_string(),
        focus_x: fx,
        focus_y: fy,
        width: i32::try_from(size.width).ok(),
        height: i32::try_from(size.height).ok(),
        size_bytes: bytes.len() as i64,
        created_at: now(),
    };
    Ok(ctx.db.write(move |c| media::insert(c, &row)).await?)
}

/// One's own upload, not yet on a status (as on Mastodon, attached media are not shown or
/// changed on their own).
pub async fn own(ctx: &Context, owner: &Actor, id: i64) -> ServiceResult<Media> {
    let found = ctx.db.read(move |c| media::by_id(c, id)).await;
    match found {
        Ok(m) if m.owner_id == owner.id && m.remote_url.is_none() && m.post_id.is_none() => Ok(m),
        Ok(_) => Err(ServiceError::NotFound("media attachment")),
        Err(e) if e.is_not_found() => Err(ServiceError::NotFound("media attachment")),
        Err(e) => Err(e.into()),
    }
}

/// Changes the description or focal point of one's own upload.
pub async fn update(
    ctx: &Context,
    owner: &Actor,
    id: i64,
    description: Option<&str>,
    focus: Option<(f64, f64)>,
) -> ServiceResult<Media> {
    let current = own(ctx, owner, id).await?;
    let description = description
        .map(|d| d.trim().to_string())
        .unwrap_or(current.description);
    check_description(&description)?;
    let focus = focus.unwrap_or((current.focus_x, current.focus_y));
    Ok(ctx
        .db
        .write(move |c| {
            media::update_details(c, id, &description, focus)?;
            media::by_id(c, id)
        })
        .await?)
}

/// Checks the uploads a status is to carry: one's own, at most four, not on another status
/// (a deleted one lets them go, for "delete and redraft"). Checked again as they are attached.
pub async fn check_attachable(
    ctx: &Context,
    owner: &Actor,
    ids: &[i64],
    post_id: Option<i64>,
) -> ServiceResult<()> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(invalid_as(
            "too-many-attachments",
            format!("too many attachments (at most {MAX_ATTACHMENTS})"),
        ));
    }
    let wanted = ids.to_vec();
    let (found, deleted) = ctx
        .db
        .read(move |c| {
            let found = media::by_ids(c, &wanted)?;
            let holders: Vec<i64> = found.iter().filter_map(|m| m.post_id).collect();
            let deleted: Vec<i64> = tsunagu_db::queries::posts::by_ids(c, &holders)?
                .into_iter()
                .filter(|p| p.deleted_at.is_some())
                .map(|p| p.id)
                .collect();
            Ok((found, deleted))
        })
        .await?;
    for id in ids {
        let Some(m) = found.iter().find(|m| m.id == *id) else {
            return Err(invalid(format!("media attachment {id} does not exist")));
        };
        if m.owner_id != owner.id || m.remote_url.is_some() {
            return Err(invalid(format!("media attachment {id} is not yours")));
        }
        if m.post_id.is_some_and(|p| !deleted.contains(&p)) && m.post_id != post_id {
            return Err(invalid(format!(
                "media attachment {id} is already on another status"
            )));
        }
    }
    Ok(())
}

/// The address a file is served at: our own for uploads, the origin's for remote media.
pub fn url_of(ctx: &Context, m: &Media) -> String {
    match (&m.remote_url, &m.file_name) {
        (Some(remote), _) => remote.clone(),
        (None, Some(name)) => ctx.url(&format!("/media/{name}")),
        (None, None) => String::new(),
    }
}

/// An attachment on a remote post.
#[derive(Debug, Clone)]
pub struct RemoteMedia {
    pub url: String,
    pub content_type: String,
    pub description: String,
    pub focus: (f64, f64),
    pub width: Option<i32>,
    pub height: Option<i32>,
}

impl RemoteMedia {
    /// Mastodon's attachment type for a MIME type.
    pub fn kind(&self) -> &'static str {
        match self.content_type.split('/').next().unwrap_or("") {
            "image" => "image",
            "video" => "video",
            "audio" => "audio",
            _ => "unknown",
        }
    }
}

/// Replaces the attachments recorded for a remote post.
pub(crate) fn record_remote(
    c: &mut tsunagu_db::Conn,
    owner: i64,
    post: i64,
    list: &[RemoteMedia],
) -> tsunagu_db::QueryResult<()> {
    media::delete_of_post(c, post)?;
    add_remote(c, owner, post, list)
}

/// Records the attachments of a remote post that has none recorded yet.
pub(crate) fn add_remote(
    c: &mut tsunagu_db::Conn,
    owner: i64,
    post: i64,
    list: &[RemoteMedia],
) -> tsunagu_db::QueryResult<()> {
    for (position, m) in list.iter().take(MAX_ATTACHMENTS * 4).enumerate() {
        media::insert(
            c,
            &NewMedia {
                owner_id: owner,
                post_id: Some(post),
                position: position as i32,
                kind: m.kind().into(),
                content_type: m.content_type.clone(),
                file_name: None,
                remote_url: Some(m.url.clone()),
                description: m.description.chars().take(MAX_DESCRIPTION_CHARS).collect(),
                focus_x: m.focus.0.clamp(-1.0, 1.0),
                focus_y: m.focus.1.clamp(-1.0, 1.0),
                width: m.width,
                height: m.height,
                size_bytes: 0,
                created_at: now(),
            },
        )?;
    }
    Ok(())
}

/// Uploads are kept this long for a status to take them; then, unless they are an avatar or a
/// header, they are removed.
pub const UNATTACHED_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// Removes uploads older than `age` that are on no status and are no avatar or header: their
/// rows and their files. Returns how many went.
pub async fn prune_unattached(ctx: &Context, age: chrono::Duration) -> ServiceResult<usize> {
    let cutoff = now() - age;
    let candidates = ctx
        .db
        .read(move |c| media::unattached_before(c, cutoff, 500))
        .await?;
    let urls: Vec<String> = candidates.iter().map(|m| url_of(ctx, m)).collect();
    let in_use = ctx
        .db
        .read(move |c| tsunagu_db::queries::actors::image_urls_in_use(c, &urls))
        .await?;
    let mut removed = 0;
    for m in candidates {
        if in_use.contains(&url_of(ctx, &m)) {
            continue;
        }
        let id = m.id;
        ctx.db.write(move |c| media::delete(c, id)).await?;
        if let Some(name) = &m.file_name {
            if let Err(e) = tokio::fs::remove_file(ctx.media_dir.join(name)).await {
                tracing::warn!("removing media file {name}: {e}");
            }
        }
        removed += 1;
    }
    Ok(removed)
}
