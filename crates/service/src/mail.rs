//! E-mail to members: what each message says, in Japanese or English by the member's
//! language. Sending is the binary's (an SMTP [`Mailer`] plugged into the [`crate::Context`]).

use crate::{Context, ServiceError, ServiceResult};
use async_trait::async_trait;

/// One message to one address, as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// The way out for e-mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: Mail) -> Result<(), String>;
}

/// What a message is about, with what it names.
#[derive(Debug, Clone)]
pub enum Message {
    /// Confirm the address: the link to open.
    Confirm { link: String },
    /// Staff approved the sign-up: where to sign in and introduce oneself.
    Approved { sign_in: String, introduce: String },
    /// The account is ready (no approval was needed): where to sign in and introduce oneself.
    Welcome { sign_in: String, introduce: String },
    /// Staff declined the sign-up.
    Rejected,
    /// A link to choose a new password.
    ResetPassword { link: String },
    /// The alumni office invites a graduate on its roster to join.
    Invitation { name: String, link: String },
}

/// Whether the member reads Japanese (`ja`), else English.
fn japanese(language: &str) -> bool {
    language.to_ascii_lowercase().starts_with("ja")
}

/// The subject and text of `message` for `site` (the instance's name), in `language`.
pub fn compose(message: &Message, site: &str, language: &str) -> (String, String) {
    let ja = japanese(language);
    match message {
        Message::Confirm { link } if ja => (
            format!("{site}：メールアドレスの確認"),
            format!("{site} へのご登録ありがとうございます。\n\n次のリンクを開いて、メールアドレスを確認してください（有効期限は3日間です）。\n\n{link}\n\nお心当たりのない場合は、このメールを無視してください。\n"),
        ),
        Message::Confirm { link } => (
            format!("{site}: confirm your e-mail address"),
            format!("Thank you for joining {site}.\n\nOpen this link to confirm your e-mail address (it works for three days):\n\n{link}\n\nIf you did not sign up, ignore this message.\n"),
        ),
        Message::Approved { sign_in, introduce } if ja => (
            format!("{site}：登録が承認されました"),
            format!("{site} への登録がスタッフに承認されました。\n\nログイン：{sign_in}\n\nよろしければ、自己紹介の掲示板でご挨拶ください：\n{introduce}\n"),
        ),
        Message::Approved { sign_in, introduce } => (
            format!("{site}: your sign-up was approved"),
            format!("Staff approved your sign-up to {site}.\n\nSign in: {sign_in}\n\nWhy not say hello on the introductions board?\n{introduce}\n"),
        ),
        Message::Welcome { sign_in, introduce } if ja => (
            format!("{site} へようこそ"),
            format!("メールアドレスが確認され、{site} のアカウントが使えるようになりました。\n\nログイン：{sign_in}\n\nよろしければ、自己紹介の掲示板でご挨拶ください：\n{introduce}\n"),
        ),
        Message::Welcome { sign_in, introduce } => (
            format!("Welcome to {site}"),
            format!("Your address is confirmed and your {site} account is ready.\n\nSign in: {sign_in}\n\nWhy not say hello on the introductions board?\n{introduce}\n"),
        ),
        Message::Rejected if ja => (
            format!("{site}：登録について"),
            format!("申し訳ありませんが、{site} への登録は承認されませんでした。ご不明な点は、運営スタッフにお問い合わせください。\n"),
        ),
        Message::Rejected => (
            format!("{site}: about your sign-up"),
            format!("We are sorry: your sign-up to {site} was not approved. If you have questions, please contact the staff.\n"),
        ),
        Message::ResetPassword { link } if ja => (
            format!("{site}：パスワードの再設定"),
            format!("パスワードを再設定するには、次のリンクを開いてください（有効期限は1時間です）。\n\n{link}\n\nお心当たりのない場合は、このメールを無視してください。パスワードは変わりません。\n"),
        ),
        Message::ResetPassword { link } => (
            format!("{site}: choose a new password"),
            format!("To choose a new password, open this link (it works for one hour):\n\n{link}\n\nIf you did not ask for this, ignore this message; your password stays as it is.\n"),
        ),
        Message::Invitation { name, link } if ja => (
            format!("{site} へのご招待"),
            format!("{name} 様\n\n同窓会ネットワーク {site} にご招待します。次のリンクから登録すると、卒業生として確認済みのアカウントになります。\n\n{link}\n"),
        ),
        Message::Invitation { name, link } => (
            format!("An invitation to {site}"),
            format!("Dear {name},\n\nYou are invited to join {site}, our alumni network. Sign up through this link and your account is a verified alumni account from the start:\n\n{link}\n"),
        ),
    }
}

/// Whether this instance can send e-mail.
pub fn configured(ctx: &Context) -> bool {
    ctx.mailer.is_some()
}

/// Sends `message` to `to`, in `language`.
pub async fn send(ctx: &Context, to: &str, language: &str, message: Message) -> ServiceResult<()> {
    let mailer = ctx.mailer.as_ref().ok_or_else(not_configured)?;
    let (subject, text) = compose(&message, &ctx.instance_name, language);
    mailer
        .send(Mail {
            to: to.to_string(),
            subject,
            text,
        })
        .await
        .map_err(|e| {
            tracing::warn!("e-mail to {to} not sent: {e}");
            ServiceError::Remote("the e-mail could not be sent; please try again later".into())
        })
}

pub fn not_configured() -> ServiceError {
    ServiceError::Forbidden(crate::Problem::coded(
        "mail-not-configured",
        "this server cannot send e-mail (no SMTP server is configured), so it cannot take sign-ups that need one",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_both_languages_name_their_link() {
        let m = Message::Confirm {
            link: "https://u.example/auth/confirm?token=abc".into(),
        };
        let (subject, text) = compose(&m, "Kobe Alumni", "ja-JP");
        assert!(subject.contains("確認") && text.contains("token=abc"));
        let (subject, text) = compose(&m, "Kobe Alumni", "en");
        assert!(subject.contains("confirm") && text.contains("token=abc"));
        let (_, text) = compose(&Message::Rejected, "Kobe Alumni", "");
        assert!(text.contains("not approved"));
    }
}
