//! `tsunagu`: run the server, migrate the database, and operator tasks.

use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;
use tsunagu::{open_database, Settings, SHUTDOWN_GRACE};
use tsunagu_service::accounts::{self, NewMember, Role};
use tsunagu_service::policy;

#[derive(Parser)]
#[command(
    name = "tsunagu",
    version,
    about = "A federated server for alumni networks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Operator tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Args)]
struct DbArgs {
    /// `sqlite://PATH` or `postgres://...`
    #[arg(
        long,
        env = "TSUNAGU_DATABASE_URL",
        default_value = "sqlite://data/tsunagu.db"
    )]
    database_url: String,
}

#[derive(Args)]
struct InstanceArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Host (and port) this instance is reached at [default: localhost:8080; for admin
    /// commands, the one the server last ran with].
    #[arg(long, env = "TSUNAGU_DOMAIN")]
    domain: Option<String>,
    /// Development mode: plain http, loopback hosts and explicit ports in federation.
    #[arg(long, env = "TSUNAGU_DEV", value_parser = clap::builder::BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true")]
    dev: Option<bool>,
}

#[derive(Args)]
struct MailArgs {
    /// SMTP server for e-mail to members: `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtp://host:25` (plain).
    #[arg(long, env = "TSUNAGU_SMTP_URL", requires = "smtp_from")]
    smtp_url: Option<String>,
    /// Sender of e-mail: `Alumni Office <alumni@example.ac.jp>`.
    #[arg(long, env = "TSUNAGU_SMTP_FROM", requires = "smtp_url")]
    smtp_from: Option<String>,
}

impl MailArgs {
    fn settings(&self) -> Option<tsunagu::SmtpSettings> {
        Some(tsunagu::SmtpSettings {
            url: self.smtp_url.clone()?,
            from: self.smtp_from.clone()?,
        })
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    instance: InstanceArgs,
    /// Address to listen on.
    #[arg(long, env = "TSUNAGU_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Name shown to clients, in e-mail, and as the institution of verified alumni.
    #[arg(long, env = "TSUNAGU_INSTANCE_TITLE", default_value = "Tsunagu")]
    title: String,
    /// Who may sign up: `closed` (invitations only), `approval` (staff approve each account;
    /// invitations and the institution's e-mail domains skip it) or `open`.
    #[arg(long, env = "TSUNAGU_REGISTRATIONS", default_value = "approval")]
    registrations: tsunagu_service::joining::Registrations,
    #[command(flatten)]
    mail: MailArgs,
    /// Days a mentoring request waits for the mentor's answer before it expires.
    #[arg(long, env = "TSUNAGU_MENTORING_REQUEST_DAYS", default_value_t = 14,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    mentoring_request_days: u32,
    /// Contact address shown to clients.
    #[arg(long, env = "TSUNAGU_CONTACT_EMAIL", default_value = "")]
    contact_email: String,
    /// Client API requests allowed per five minutes for each access token or address.
    #[arg(long, env = "TSUNAGU_RATE_LIMIT", default_value_t = 300)]
    rate_limit: u32,
    /// Sign-in, token and app-registration requests allowed per five minutes for each
    /// address (failed sign-ins are also limited per account).
    #[arg(long, env = "TSUNAGU_SIGN_IN_LIMIT", default_value_t = 30)]
    sign_in_limit: u32,
    /// Seconds before the first retry of a failed delivery (each retry waits 4 times longer).
    #[arg(long, env = "TSUNAGU_RETRY_BASE_SECS", default_value_t = 30)]
    retry_base_secs: u64,
    /// Deliveries to other servers this process sends at once. 0 sends none: processes
    /// sharing a PostgreSQL database wake each other, so one of them can do the sending.
    #[arg(long, env = "TSUNAGU_DELIVERY_CONCURRENCY", default_value_t = 64,
          value_parser = clap::value_parser!(u16).range(0..=1024))]
    delivery_concurrency: u16,
    /// Serve posts, collections and activities only to requests signed by another server's
    /// actor (Mastodon's "secure mode"); actors, WebFinger and NodeInfo stay open.
    #[arg(long, env = "TSUNAGU_AUTHORIZED_FETCH", value_parser = clap::builder::BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    authorized_fetch: bool,
    /// Folder for uploaded media files (created if missing).
    #[arg(long, env = "TSUNAGU_MEDIA_DIR", default_value = "data/media")]
    media_dir: std::path::PathBuf,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a member account and print its id.
    CreateUser {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        /// The password (visible in the process list; prefer --password-stdin).
        #[arg(
            long,
            conflicts_with = "password_stdin",
            required_unless_present = "password_stdin"
        )]
        password: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// student, alumnus, staff or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Create a board and print its id.
    CreateBoard {
        #[command(flatten)]
        instance: InstanceArgs,
        /// The board's name; its handle is `name@domain`.
        #[arg(long)]
        name: String,
        /// The board's title, shown to people.
        #[arg(long)]
        title: String,
        /// Who may start threads: open, members or moderators.
        #[arg(long, default_value = "open")]
        posting: String,
        /// Description (Markdown).
        #[arg(long, default_value = "")]
        description: String,
        /// Rules (plain text).
        #[arg(long, default_value = "")]
        rules: String,
        /// A member (username) who moderates the board.
        #[arg(long)]
        moderator: Option<String>,
    },
    /// List member accounts.
    ListUsers {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Change a member's role.
    SetRole {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
    },
    /// Set a new password, read from standard input.
    ResetPassword {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long)]
        username: String,
    },
    /// Stop a member from logging in.
    DisableUser {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long)]
        username: String,
    },
    /// Let a disabled member log in again.
    EnableUser {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(long)]
        username: String,
    },
    /// Counts of pending, delivered and failed outgoing deliveries, then the same per
    /// receiving server with its last success and the reason of its last refusal.
    DeliveryStats {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Block a server: `silence` keeps its posts out of public timelines and search;
    /// `suspend` refuses everything from it, sends it nothing and hides what it sent.
    /// Subdomains are blocked with it.
    BlockDomain {
        #[command(flatten)]
        instance: InstanceArgs,
        /// The server's domain (`spam.example`).
        #[arg(value_name = "DOMAIN")]
        server: String,
        /// silence or suspend.
        #[arg(long, default_value = "suspend")]
        severity: String,
        /// Reason shown to anyone in the public list of blocked servers.
        #[arg(long, default_value = "")]
        public_comment: String,
        /// Note for staff only.
        #[arg(long, default_value = "")]
        private_comment: String,
    },
    /// Lift a server's block.
    UnblockDomain {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(value_name = "DOMAIN")]
        server: String,
    },
    /// List blocked servers.
    ListDomainBlocks {
        #[command(flatten)]
        instance: InstanceArgs,
    },
    /// Federate with a server in allow-list mode.
    AllowDomain {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(value_name = "DOMAIN")]
        server: String,
    },
    /// Stop allowing a server (in allow-list mode it is then refused).
    DisallowDomain {
        #[command(flatten)]
        instance: InstanceArgs,
        #[arg(value_name = "DOMAIN")]
        server: String,
    },
    /// List allowed servers.
    ListDomainAllows {
        #[command(flatten)]
        instance: InstanceArgs,
    },
    /// `allowlist`: federate only with allowed servers; `open`: with every server not
    /// blocked. Without a mode, print the current one.
    FederationMode {
        #[command(flatten)]
        instance: InstanceArgs,
        mode: Option<String>,
    },
    /// Import the alumni office's roster (CSV: email, name, graduation_year, department).
    /// Members with a roster address are verified graduates; running it again changes only
    /// what changed.
    ImportRoster {
        #[command(flatten)]
        instance: InstanceArgs,
        /// The CSV file (UTF-8, with or without a byte-order mark, header row first).
        #[arg(long)]
        file: std::path::PathBuf,
        /// Count what would change; change nothing, send nothing.
        #[arg(long)]
        dry_run: bool,
        /// E-mail an invitation to join to each graduate who has no account yet (once each).
        #[arg(long)]
        invite: bool,
        #[command(flatten)]
        mail: MailArgs,
    },
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TSUNAGU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Threads for blocking work (database queries, password hashing, image resizing).
const BLOCKING_THREADS: usize = 32;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Blocking threads mostly wait for one of the database pools' connections (at most
        // 16): beyond a few more than that they only add memory (tokio's default is 512).
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

const DEFAULT_DOMAIN: &str = "localhost:8080";

fn settings(args: &InstanceArgs) -> Settings {
    Settings::new(
        args.domain.as_deref().unwrap_or(DEFAULT_DOMAIN),
        &args.db.database_url,
        args.dev.unwrap_or(false),
    )
}

/// The context for an admin command: the domain and mode given, and for what is not given,
/// those the server last ran with, so ids made here match the server's.
async fn context(
    args: &InstanceArgs,
) -> Result<tsunagu_service::Context, Box<dyn std::error::Error>> {
    context_with_mail(args, None).await
}

async fn context_with_mail(
    args: &InstanceArgs,
    smtp: Option<tsunagu::SmtpSettings>,
) -> Result<tsunagu_service::Context, Box<dyn std::error::Error>> {
    let db = open_database(&args.db.database_url)?;
    let mut settings = settings(args);
    settings.smtp = smtp;
    let probe = tsunagu::context(db.clone(), &settings)?;
    if let Some(base) = accounts::stored_base_url(&probe).await? {
        if let Some((scheme, host)) = base.split_once("://") {
            if args.domain.is_none() {
                settings.domain = host.to_string();
            }
            if args.dev.is_none() {
                settings.dev = scheme == "http";
            }
        }
    }
    let mut ctx = tsunagu::context(db, &settings)?;
    accounts::adopt_base_url(&ctx).await?;
    // The name the server last ran with (the institution of verified alumni).
    if let Some(title) = accounts::stored_title(&ctx).await? {
        ctx.instance_name = title;
    }
    Ok(ctx)
}

async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(db) => {
            let db = tsunagu_db::Db::connect(&db.database_url)?;
            let applied = db.migrate()?;
            println!("applied {applied} migration(s)");
            Ok(())
        }
        Command::Admin(cmd) => admin(cmd).await,
    }
}

async fn serve(args: ServeArgs) -> CliResult {
    let mut settings = settings(&args.instance);
    settings.instance.title = args.title;
    settings.registrations = args.registrations;
    settings.mentoring_lifetime =
        Duration::from_secs(u64::from(args.mentoring_request_days) * 86_400);
    settings.smtp = args.mail.settings();
    settings.instance.contact_email = args.contact_email;
    settings.instance.rate_limit = args.rate_limit.max(1);
    settings.instance.sign_in_limit = args.sign_in_limit.max(1);
    settings.delivery.retry_base = Duration::from_secs(args.retry_base_secs.max(1));
    settings.delivery.concurrency = usize::from(args.delivery_concurrency);
    settings.media_dir = args.media_dir.clone();
    settings.authorized_fetch = args.authorized_fetch;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let instance = tsunagu::start(settings, listener).await?;
    let stop = instance.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
        tokio::time::sleep(SHUTDOWN_GRACE).await;
        tracing::warn!("shutdown took too long; exiting");
        std::process::exit(1);
    });
    instance.wait().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

fn read_stdin_line() -> Result<String, Box<dyn std::error::Error>> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    let line = s.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(line)
}

async fn set_disabled(instance: &InstanceArgs, username: &str, disabled: bool) -> CliResult {
    let ctx = context(instance).await?;
    let (user, _) = accounts::find_member(&ctx, username).await?;
    accounts::set_disabled(&ctx, user.id, disabled).await?;
    println!(
        "{username} is {}",
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

async fn import_roster(
    instance: &InstanceArgs,
    file: &std::path::Path,
    dry_run: bool,
    invite: bool,
    smtp: Option<tsunagu::SmtpSettings>,
) -> CliResult {
    use tsunagu_service::roster;
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let parsed = roster::parse(&bytes)?;
    if invite && smtp.is_none() && !dry_run {
        return Err("--invite sends e-mail: give --smtp-url and --smtp-from".into());
    }
    let ctx = context_with_mail(instance, smtp).await?;
    // Drawn only on a terminal; a pipe or a log gets the summary alone.
    let bar = indicatif::ProgressBar::new(parsed.rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let options = roster::Import { dry_run, invite };
    let summary = roster::import(&ctx, &parsed.rows, options, &|done| bar.set_position(done)).await;
    bar.finish_and_clear();
    let summary = summary?;
    let rows = parsed.rows.len() + parsed.invalid.len();
    println!("{}: {rows} rows", file.display());
    println!(
        "new: {}, updated: {}, unchanged: {}, invalid: {}",
        summary.new,
        summary.updated,
        summary.unchanged,
        parsed.invalid.len()
    );
    for bad in &parsed.invalid {
        println!("  line {}: {}", bad.line, bad.reason);
    }
    println!("members verified: {}", summary.verified);
    if invite {
        println!("invitations sent: {}", summary.invited);
        for (email, why) in &summary.not_invited {
            println!("  not sent to {email}: {why}");
        }
    }
    if dry_run {
        println!("dry run: nothing was changed");
    }
    Ok(())
}

async fn admin(cmd: AdminCommand) -> CliResult {
    match cmd {
        AdminCommand::CreateUser {
            instance,
            username,
            email,
            password,
            password_stdin,
            role,
            display_name,
        } => {
            let password = match (password, password_stdin) {
                (_, true) => read_stdin_line()?,
                (Some(p), false) => p,
                (None, false) => return Err("give --password or --password-stdin".into()),
            };
            let role: Role = role.parse()?;
            let ctx = context(&instance).await?;
            let (user, _) = accounts::create_member(
                &ctx,
                NewMember {
                    username,
                    email,
                    password,
                    role,
                    display_name,
                    admission: tsunagu_service::accounts::Admission::default(),
                },
            )
            .await?;
            println!("{}", user.id);
        }
        AdminCommand::CreateBoard {
            instance,
            name,
            title,
            posting,
            description,
            rules,
            moderator,
        } => {
            let ctx = context(&instance).await?;
            let moderator = match moderator {
                Some(m) => Some(accounts::find_member(&ctx, &m).await?.1),
                None => None,
            };
            let (_, actor) = tsunagu_service::boards::create_board(
                &ctx,
                moderator.as_ref(),
                tsunagu_service::boards::NewBoard {
                    name,
                    title,
                    description,
                    rules,
                    posting_mode: posting.parse()?,
                },
            )
            .await?;
            println!("{}", actor.id);
        }
        AdminCommand::ListUsers {
            instance,
            limit,
            offset,
        } => {
            let ctx = context(&instance).await?;
            for (user, actor) in accounts::list_members(&ctx, limit, offset).await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    user.id,
                    actor.username,
                    user.email,
                    user.role,
                    if user.disabled { "\tdisabled" } else { "" }
                );
            }
        }
        AdminCommand::SetRole {
            instance,
            username,
            role,
        } => {
            let role: Role = role.parse()?;
            let ctx = context(&instance).await?;
            let (user, _) = accounts::find_member(&ctx, &username).await?;
            accounts::set_role(&ctx, user.id, role).await?;
            println!("{username} is now {role}");
        }
        AdminCommand::ResetPassword { instance, username } => {
            let password = read_stdin_line()?;
            let ctx = context(&instance).await?;
            let (user, _) = accounts::find_member(&ctx, &username).await?;
            accounts::set_password(&ctx, user.id, &password).await?;
            println!("password of {username} changed");
        }
        AdminCommand::DisableUser { instance, username } => {
            set_disabled(&instance, &username, true).await?
        }
        AdminCommand::EnableUser { instance, username } => {
            set_disabled(&instance, &username, false).await?
        }
        AdminCommand::DeliveryStats { db } => {
            // Counting needs no domain: any will do.
            let settings = tsunagu::Settings::new("localhost", &db.database_url, false);
            let ctx = tsunagu::context(open_database(&db.database_url)?, &settings)?;
            delivery_stats(&ctx).await?;
        }
        AdminCommand::BlockDomain {
            instance,
            server: domain,
            severity,
            public_comment,
            private_comment,
        } => {
            let ctx = context(&instance).await?;
            let block = policy::block_domain(
                &ctx,
                policy::NewBlock {
                    domain,
                    severity: policy::Severity::parse(&severity)?,
                    public_comment,
                    private_comment,
                },
            )
            .await?;
            println!("{}\t{}\t{}", block.id, block.domain, block.severity);
        }
        AdminCommand::UnblockDomain {
            instance,
            server: domain,
        } => {
            let ctx = context(&instance).await?;
            let domain = policy::normalize_domain(&domain)?;
            let block = policy::list_blocks(&ctx)
                .await?
                .into_iter()
                .find(|b| b.domain == domain)
                .ok_or_else(|| format!("{domain} is not blocked"))?;
            policy::unblock_domain(&ctx, block.id).await?;
            println!("{domain} is no longer blocked");
        }
        AdminCommand::ListDomainBlocks { instance } => {
            let ctx = context(&instance).await?;
            for b in policy::list_blocks(&ctx).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    b.id, b.domain, b.severity, b.public_comment
                );
            }
        }
        AdminCommand::AllowDomain {
            instance,
            server: domain,
        } => {
            let ctx = context(&instance).await?;
            let allow = policy::allow_domain(&ctx, &domain).await?;
            println!("{}\t{}", allow.id, allow.domain);
        }
        AdminCommand::DisallowDomain {
            instance,
            server: domain,
        } => {
            let ctx = context(&instance).await?;
            let domain = policy::normalize_domain(&domain)?;
            let allow = policy::list_allows(&ctx)
                .await?
                .into_iter()
                .find(|a| a.domain == domain)
                .ok_or_else(|| format!("{domain} is not allowed"))?;
            policy::disallow_domain(&ctx, allow.id).await?;
            println!("{domain} is no longer allowed");
        }
        AdminCommand::ListDomainAllows { instance } => {
            let ctx = context(&instance).await?;
            for a in policy::list_allows(&ctx).await? {
                println!("{}\t{}", a.id, a.domain);
            }
        }
        AdminCommand::ImportRoster {
            instance,
            file,
            dry_run,
            invite,
            mail,
        } => import_roster(&instance, &file, dry_run, invite, mail.settings()).await?,
        AdminCommand::FederationMode { instance, mode } => {
            let ctx = context(&instance).await?;
            match mode.as_deref() {
                None => {}
                Some("allowlist") => policy::set_allow_list_mode(&ctx, true).await?,
                Some("open") => policy::set_allow_list_mode(&ctx, false).await?,
                Some(other) => {
                    return Err(format!("unknown mode {other:?}: use allowlist or open").into())
                }
            }
            let on = policy::allow_list_mode(&ctx).await?;
            println!("{}", if on { "allowlist" } else { "open" });
        }
    }
    Ok(())
}

/// Totals, then per receiving server: waiting, delivered and given-up deliveries, the last
/// success, and the last refusal with the server's status and reason.
async fn delivery_stats(ctx: &tsunagu_service::Context) -> CliResult {
    let (totals, peers) = tsunagu_service::health::report(ctx).await?;
    println!(
        "pending\t{}\ndelivered\t{}\nfailed\t{}",
        totals.pending, totals.delivered, totals.failed
    );
    if peers.is_empty() {
        return Ok(());
    }
    println!("\nserver\tpending\tdelivered\tfailed\tlast delivered\tlast refusal");
    for p in &peers {
        let refusal = p
            .last_failure
            .as_ref()
            .map(|f| f.error.replace(['\n', '\t'], " "))
            .unwrap_or_else(|| "-".into());
        let last = p
            .last_delivered_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "-".into());
        println!(
            "{}\t{}\t{}\t{}\t{last}\t{refusal}",
            p.server, p.pending, p.delivered, p.failed
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
