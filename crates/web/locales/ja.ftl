# ウェブサイトの日本語の文言。各 id は en.ftl に対応するものがある。

skip-to-content = 本文へ移動
nav-home = ホーム
nav-search = 検索
nav-sign-in = ログイン
nav-sign-out = ログアウト
nav-new-thread = 新しいスレッド
nav-notifications = 通知
nav-profile = プロフィール
nav-settings = 設定
nav-staff = 管理
nav-language = 言語
footer-powered = フェディバースでつながる Tsunagu の同窓会ネットワークです。
footer-apps = Mastodon のアプリからもこのサーバーを利用できます。

home-boards = 掲示板
home-recent = 最近のスレッド
home-no-boards = 掲示板はまだありません。
home-no-threads = スレッドはまだありません。
home-follow-hint = ほかのサーバー（Mastodon、Lemmy、ほかの同窓会ネットワーク）からは、そのサーバーで掲示板のハンドルを検索してフォローできます。

board-threads = スレッド
board-order-activity = 最新の動き
board-order-new = 新着
board-order-unanswered = 未回答
board-pinned = 固定
board-rules = ルール
board-moderators = モデレーター
board-handle = ハンドル: { $handle }
board-feed-atom = Atom フィード
board-feed-rss = RSS フィード
board-empty = スレッドはまだありません。
board-start = この掲示板にスレッドを立てる
board-archived = この掲示板はアーカイブされています。
board-posting-members = このインスタンスのメンバーだけがスレッドを立てられます。
board-posting-moderators = モデレーターだけがスレッドを立てられます。

thread-replies = 返信 { $count } 件
thread-favourites = お気に入り { $count } 件
thread-question = 質問
thread-answered = 解決済み
thread-accepted = ベストアンサー
thread-locked = このスレッドはロックされています。新しい返信はできません。
thread-in-boards = 掲示板:
thread-edited = 編集済み
thread-no-replies = 返信はまだありません。
thread-reply-heading = 返信する
thread-sign-in-to-reply = 返信するにはログインしてください。
thread-content-warning = 注意書き: { $warning }
thread-show = 表示
thread-media = 添付ファイル
thread-removed = モデレーターにより非表示になりました。あなただけに見えています。

post-by = 投稿者: { $name }
post-reply-to = { $name } さんへの返信
post-open = 開く
post-visibility-public = 公開
post-visibility-unlisted = 未収載
post-visibility-private = フォロワー限定
post-visibility-direct = ダイレクト

profile-posts = 投稿
profile-followers = フォロワー { $count } 人
profile-following = フォロー { $count } 人
profile-fields = プロフィール
profile-no-posts = 公開の投稿はありません。
profile-role-student = 学生
profile-role-alumnus = 卒業生
profile-role-staff = スタッフ
profile-role-admin = 管理者
profile-remote = このアカウントは { $host } にあります。

search-heading = 検索
search-label = 人、掲示板、投稿、#タグを検索
search-button = 検索
search-accounts = 人と掲示板
search-statuses = 投稿
search-nothing = 見つかりませんでした。
search-remote-hint = ログインしたメンバーは、ほかのサーバーのアカウントをハンドル（@名前@サーバー）やアドレスで探せます。

error-not-found = 見つかりません
error-not-found-text = ここには何もないか、表示する権限がありません。
error-forbidden = 許可されていません
error-invalid = うまくいきませんでした
error-unauthorized = ログインしてください
error-rate-limited = 試行回数が多すぎます
error-conflict = すでに存在します
error-remote = ほかのサーバーが応答しませんでした
error-internal = サーバー側で問題が起きました
error-csrf = フォームの有効期限が切れました。前のページに戻り、再読み込みしてからもう一度お試しください。
error-back = ホームに戻る

time-ago-just-now = たった今
pagination-newer = 新しい方へ
pagination-older = 古い方へ

login-heading = ログイン
login-login = メールアドレスまたはユーザー名
login-password = パスワード
login-button = ログイン
login-failed = メールアドレス（またはユーザー名）とパスワードが一致しません。
login-throttled = このアカウントへのログインの失敗が多すぎます。数分待ってからお試しください。

authorize-heading = { $app } を許可
authorize-asks = { $app } があなたのアカウントへのアクセスを求めています：
authorize-signed-in-as = { $name } としてログインしています。
authorize-sign-in = 許可するにはログインしてください。
authorize-allow = 許可する
authorize-deny = 拒否する
authorize-unusable = この認可リクエストは使用できません
authorize-code-heading = 認可コード
authorize-code-text = このコードをコピーして、アプリに貼り付けてください：
scope-read = アカウント、投稿、通知の読み取り
scope-write = あなたに代わって投稿・編集・変更
scope-follow = あなたに代わってフォロー・ブロック・ミュート
scope-push = 通知の受信
scope-profile = あなたが誰であるかの確認
scope-admin-read = モデレーション情報の読み取り
scope-admin-write = モデレーション操作の実行

new-heading = スレッドを立てる
new-title = タイトル
new-body = 本文
new-body-hint = Markdown が使えます。@名前@サーバー でメンション、#タグ でハッシュタグになります。
new-boards = 掲示板
new-remote-boards = ほかのサーバーの掲示板
new-remote-boards-hint = ハンドルをスペースで区切って入力します（例: careers@other.example）。
new-question = 質問として投稿する（ベストアンサーを選べます）
new-tags = ハッシュタグ
new-button = 投稿する
new-no-boards = 投稿できる掲示板はまだありません。

reply-label = 返信
reply-button = 返信する
edit-heading = 編集
edit-button = 保存する
delete-button = 削除
delete-confirm = この投稿を削除する
favourite-button = お気に入り
unfavourite-button = お気に入りを外す
accept-button = ベストアンサーに選ぶ
unaccept-button = ベストアンサーを外す
edit-link = 編集

follow-button = フォローする
unfollow-button = フォローをやめる
follow-requested = フォローを申請中
follow-heading = ほかのサーバーの人をフォローする
follow-label = ハンドル（@名前@サーバー）またはアドレス
follow-done = { $name } さんをフォローしました。

settings-heading = プロフィール
settings-display-name = 表示名
settings-note = 自己紹介文
settings-alumni = 同窓生プロフィール
settings-visibility = 公開範囲
settings-save = プロフィールを保存
settings-saved = 保存しました。
visibility-public = 全員
visibility-federated = このインスタンスとほかの同窓会ネットワークのメンバー
visibility-local = このインスタンスのメンバー
visibility-hidden = 自分とスタッフのみ

field-graduation_year = 卒業年
field-department = 学部・学科・部署
field-industry = 業界
field-employer = 勤務先
field-skills = スキル
field-interests = 興味・関心
field-mentoring = メンタリング
field-introduction = 自己紹介

notifications-heading = 通知
notifications-empty = 新しい通知はありません。
notification-mention = { $name } さんがあなたにメンションしました
notification-favourite = { $name } さんがあなたの投稿をお気に入りにしました
notification-reblog = { $name } さんがあなたの投稿をブーストしました
notification-follow = { $name } さんにフォローされました
notification-follow_request = { $name } さんからフォローの申請があります
notification-poll = 参加した投票が終了しました
notification-status = { $name } さんが投稿しました
notification-update = { $name } さんが投稿を編集しました
notification-other = { $name }
