//! The `tsunagu` binary as an operator runs it.

use std::process::Command;

fn tsunagu(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tsunagu"))
        .args(args)
        .env_remove("TSUNAGU_DATABASE_URL")
        .env_remove("TSUNAGU_SMTP_URL")
        .env("TSUNAGU_LOG", "error")
        .output()
        .expect("run tsunagu");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn import_roster_reports_what_it_did_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}/t.db", dir.path().display());
    let file = dir.path().join("roster.csv");
    std::fs::write(
        &file,
        "\u{feff}email,name,graduation_year,department\n\
         hana@mail.test,山田 花子,2019,工学部\n\
         oops,Nobody,2019,Law\n\
         ken@mail.test,Ken Sato,2015,Law\n",
    )
    .expect("write");
    let file = file.to_str().expect("path");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "admin",
            "import-roster",
            "--database-url",
            &db,
            "--file",
            file,
        ];
        args.extend_from_slice(extra);
        tsunagu(&args)
    };

    let (ok, out, err) = run(&["--dry-run"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("new: 2, updated: 0, unchanged: 0, invalid: 1"),
        "{out}"
    );
    assert!(out.contains("line 3:"), "{out}");
    assert!(out.contains("dry run: nothing was changed"), "{out}");

    let (ok, out, err) = run(&[]);
    assert!(ok, "{err}");
    assert!(
        out.contains("new: 2, updated: 0, unchanged: 0, invalid: 1"),
        "{out}"
    );
    let (ok, out, _) = run(&[]);
    assert!(ok);
    assert!(
        out.contains("new: 0, updated: 0, unchanged: 2, invalid: 1"),
        "{out}"
    );

    // Invitations need mail; without it the command says so and changes nothing.
    let (ok, _, err) = run(&["--invite"]);
    assert!(!ok);
    assert!(err.contains("--smtp-url"), "{err}");
    let (ok, _, err) = tsunagu(&[
        "admin",
        "import-roster",
        "--database-url",
        &db,
        "--file",
        "/nonexistent.csv",
    ]);
    assert!(!ok);
    assert!(err.contains("cannot read"), "{err}");
}
