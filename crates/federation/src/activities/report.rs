//! Reports: `Flag`.
//!
//! Who may say what: any account may report accounts and posts of ours (the reason is in
//! `content`, Mastodon's way, or `summary`, Lemmy's); one account may file at most a few
//! reports a day, and one server a few dozen. Our reports go out as Mastodon sends them
//! (from the instance actor, all objects in one `Flag`), except to Lemmy, which takes a
//! report only about one post, addressed to the community it is in, from a person.

use super::{inbox_of, Incoming, Outgoing};
use crate::objects::{ids_of, DbActor};
use crate::{Data, FedError};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts};
use tsunagu_service::{boards, Event};

pub(super) async fn receive(
    activity: &Incoming,
    sender: &DbActor,
    data: &Data,
) -> Result<(), FedError> {
    let objects = ids_of(&activity.object);
    let reason = ["content", "summary"]
        .iter()
        .find_map(|k| activity.rest.get(*k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .unwrap_or("");
    tsunagu_service::reports::receive(
        data.app_data(),
        &sender.0,
        activity.id.as_str(),
        &objects,
        &tsunagu_service::html::to_text(reason),
    )
    .await?;
    Ok(())
}

pub(super) async fn build(event: &Event, data: &Data) -> Result<Vec<Outgoing>, FedError> {
    let Event::ReportForwarded { report_id } = *event else {
        return Ok(Vec::new());
    };
    let ctx = data.app_data();
    let (report, target, reporter) = ctx
        .db
        .read(move |c| {
            let r = tsunagu_db::queries::reports::by_id(c, report_id)?;
            let t = actors::by_id(c, r.target_id)?;
            let reporter = actors::by_id(c, r.reporter_id)?;
            Ok((r, t, reporter))
        })
        .await?;
    let ids = tsunagu_service::reports::post_ids(&report);
    let statuses = ctx.db.read(move |c| posts::by_ids(c, &ids)).await?;
    crate::boards::detect_software(data, &target.domain).await;
    let software = boards::instance_software(ctx, &target.domain)
        .await?
        .unwrap_or_default();
    if software == "lemmy" {
        if let Some(first) = statuses.first() {
            // The community the post is in, as Lemmy needs it.
            let root = boards::thread_of(ctx, first)
                .await?
                .map(|(root, _)| root.id)
                .unwrap_or(first.id);
            let community = boards::boards_of_thread(ctx, root)
                .await?
                .into_iter()
                .find(|b| !b.local && b.domain == target.domain);
            if let Some(community) = community {
                return Ok(vec![Outgoing {
                    actor_id: reporter.id,
                    activity: json!({
                        "id": super::activity_id(ctx, "flag"),
                        "type": "Flag",
                        "actor": reporter.ap_id,
                        "to": [community.ap_id],
                        "object": first.ap_id,
                        "summary": report.comment,
                        "content": report.comment,
                        "audience": community.ap_id,
                    }),
                    inboxes: vec![inbox_of(&community)],
                }]);
            }
        }
        tracing::info!(
            "report {report_id} is about an account on Lemmy, which takes reports about posts in its communities only; sending it the way Mastodon does"
        );
    }
    let mut objects = vec![json!(target.ap_id)];
    objects.extend(statuses.iter().map(|p| json!(p.ap_id)));
    // Reports travel as the instance, not the member, as Mastodon does.
    let instance = tsunagu_service::accounts::instance_actor(ctx).await?;
    Ok(vec![Outgoing {
        actor_id: instance.id,
        activity: json!({
            "id": super::activity_id(ctx, "flag"),
            "type": "Flag",
            "actor": instance.ap_id,
            "object": objects,
            "content": report.comment,
        }),
        inboxes: vec![inbox_of(&target)],
    }])
}
