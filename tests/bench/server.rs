//! `tsunagu serve` run as a process of its own (the release binary built beside this program),
//! as an operator runs it.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;
use tsunagu_tests::http;

/// The server binary beside this program, if it was built.
pub fn binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?.with_file_name("tsunagu");
    exe.exists().then_some(exe)
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// One instance (database, domain, media folder) its processes and admin commands share.
pub struct Site {
    exe: PathBuf,
    pub database_url: String,
    pub domain: String,
    dir: tempfile::TempDir,
}

/// A running `tsunagu serve`, killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub pid: u32,
    /// Its own address (not the instance's domain, when several run behind one).
    pub base: String,
}

impl Site {
    pub fn new(exe: PathBuf, database_url: String, domain: String, dir: tempfile::TempDir) -> Site {
        Site {
            exe,
            database_url,
            domain,
            dir,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .args(args)
            .args([
                "--database-url",
                &self.database_url,
                "--domain",
                &self.domain,
                "--dev",
            ])
            .env("TSUNAGU_LOG", "warn");
        command
    }

    /// Creates a member with `password`; the e-mail address is `USERNAME@example.test`.
    pub fn create_member(&self, username: &str, password: &str) {
        let email = format!("{username}@example.test");
        let created = self
            .command(&[
                "admin",
                "create-user",
                "--username",
                username,
                "--email",
                &email,
                "--password",
                password,
                "--role",
                "alumnus",
            ])
            .output()
            .expect("create a member");
        assert!(created.status.success(), "create-user: {created:?}");
    }

    /// Starts a process listening on `port` and waits until it answers.
    pub async fn serve(&self, port: u16, extra: &[&str]) -> ServerProcess {
        let media = self.dir.path().join("media").display().to_string();
        let bind = format!("127.0.0.1:{port}");
        let mut args = vec!["serve", "--bind", &bind, "--media-dir", &media];
        args.extend_from_slice(extra);
        let child = self.command(&args).spawn().expect("start the server");
        let base = format!("http://127.0.0.1:{port}");
        let client = http();
        while client.get(format!("{base}/health")).send().await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ServerProcess {
            pid: child.id(),
            child,
            base,
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` and thread count of another process, as text.
pub fn process_memory(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    match (field("VmRSS:"), field("Threads:")) {
        (Some(kb), Some(threads)) => format!("{:.1} MB resident, {threads} threads", kb / 1024.0),
        _ => "not measurable here".into(),
    }
}
