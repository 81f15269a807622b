//! The `partnerdesk` binary as an administrator runs it.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use partnerdesk::db::models::users;
use partnerdesk::db::{DatabaseUrl, Db};
use partnerdesk::domain::EmailAddress;

fn partnerdesk(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partnerdesk"));
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("SMTP_URL")
        .env_remove("SESSION_KEY")
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn a_database_that_cannot_be_opened_is_reported_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "postgres://nobody@127.0.0.1:1/none",
            "cannot open the database postgres://nobody@127.0.0.1:1/none",
        ),
        ("mysql://localhost/pd", "scheme 'mysql' is not supported"),
        (
            "/no/such/directory/pd.db",
            "cannot open the database sqlite:///no/such/directory/pd.db",
        ),
    ];
    for (url, expected) in cases {
        let output = partnerdesk(dir.path())
            .arg("migrate")
            .env("DATABASE_URL", url)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line for {url}: {stderr}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(expected),
            "{url}: {stderr}"
        );
    }
    let output = partnerdesk(dir.path())
        .arg("migrate")
        .env("DATABASE_URL", "postgres://app:s3cret@127.0.0.1:1/pd")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("s3cret"),
        "passwords are never printed"
    );
}

#[test]
fn user_add_creates_the_organization_and_a_user_who_can_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = partnerdesk(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "Zoe@Example.test",
            "--name",
            "Zoé Dupont",
            "--org",
            "Zeta Sàrl",
        ])
        .args(["--role", "admin", "--partner-rate", "1500"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("created organization Zeta Sàrl (CHF)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("registered Zeta Sàrl as a partner at 15 %"),
        "{stdout}"
    );
    assert!(
        stdout.contains("added zoe@example.test to Zeta Sàrl as administrator"),
        "{stdout}"
    );

    let db = Db::connect(
        &DatabaseUrl::parse(&dir.path().join("partnerdesk.db").display().to_string()).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = db.get().unwrap();
    let email = EmailAddress::parse("zoe@example.test").unwrap();
    let (user_id, hash) = users::credentials(&mut conn, &email)
        .unwrap()
        .expect("the user exists");
    assert!(partnerdesk::auth::password::verify(
        &hash,
        "a long enough password"
    ));
    let memberships = users::memberships(&mut conn, &user_id).unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].org_name, "Zeta Sàrl");
    assert_eq!(memberships[0].partner_rate_bp, Some(1500));

    // Bad input is refused with a message and changes nothing.
    let refused = partnerdesk(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "zoe@example.test",
            "--name",
            "Zoé",
            "--org",
            "Zeta Sàrl",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(b"another long password\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already exists"));
    for (args, message) in [
        (vec!["--role", "owner"], "unknown role 'owner'"),
        (vec!["--partner-rate", "9000"], "between 0 and 3500"),
    ] {
        let output = partnerdesk(dir.path())
            .args([
                "user",
                "add",
                "--email",
                "new@example.test",
                "--name",
                "New",
                "--org",
                "Other",
            ])
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(message),
            "{args:?}"
        );
    }
    assert!(
        users::find_by_email(&mut conn, &EmailAddress::parse("new@example.test").unwrap())
            .unwrap()
            .is_none()
    );
}

#[test]
fn user_add_refuses_names_with_characters_that_steer_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let add = |name: &str, org: &str| {
        partnerdesk(dir.path())
            .args(["user", "add", "--email", "eve@example.test"])
            .args(["--name", name, "--org", org])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(b"a long enough password\n")?;
                c.wait_with_output()
            })
            .unwrap()
    };
    // U+202E shows "Eve\u{202e}ecilA" as "EveAlice"; U+2066 isolates; U+2028 breaks a line.
    for (name, org, option) in [
        ("Eve\u{202e}ecilA", "Eve Sàrl", "--name"),
        ("Eve", "Acme\u{2066} SA", "--org"),
        ("Eve", "Acme\u{2028}SA", "--org"),
        ("Eve\u{200f}", "Eve Sàrl", "--name"),
    ] {
        let output = add(name, org);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name:?} {org:?}");
        assert!(
            stderr.contains(option) && stderr.contains("direction of text"),
            "{name:?} {org:?}: {stderr}"
        );
    }
    let db = Db::connect(
        &DatabaseUrl::parse(&dir.path().join("partnerdesk.db").display().to_string()).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = db.get().unwrap();
    let eve = EmailAddress::parse("eve@example.test").unwrap();
    assert!(users::find_by_email(&mut conn, &eve).unwrap().is_none());
    assert!(
        partnerdesk::db::models::orgs::find_by_name(&mut conn, "Eve Sàrl")
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn demo_seeds_prints_the_logins_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = partnerdesk(dir.path())
        .arg("demo")
        .env("BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (announced, printed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let done = line.starts_with("Stop with Ctrl-C");
            lines.push(line);
            if done {
                let _ = announced.send(lines.join("\n"));
            }
        }
    });
    let printed =
        tokio::task::spawn_blocking(move || printed.recv_timeout(Duration::from_secs(60)))
            .await
            .unwrap()
            .expect("demo starts and prints its logins");
    assert!(
        printed.contains(&format!("running at http://127.0.0.1:{port}")),
        "{printed}"
    );
    for email in [
        "alice@acme.test",
        "bob@acme.test",
        "paul@webagency.test",
        "petra@studio.test",
        "carla@beta.test",
    ] {
        assert!(printed.contains(email), "{email} is printed: {printed}");
    }
    assert!(printed.contains("password: partnerdesk-demo"));

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let health = client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let login = client
        .get(format!("http://127.0.0.1:{port}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("Log in"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        dir.path().join("partnerdesk.db").exists(),
        "the demo database is a file in the working directory"
    );
}

#[test]
fn seed_fills_an_empty_database_only() {
    let dir = tempfile::tempdir().unwrap();
    let seed = |args: &[&str]| {
        let output = partnerdesk(dir.path())
            .arg("seed")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, _, stderr) = seed(&["--bench", "--invoices", "1500"]);
    assert!(!ok);
    assert!(stderr.contains("multiple of 1000"), "{stderr}");

    let (ok, stdout, stderr) = seed(&[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("demo data written"), "{stdout}");
    let (ok, _, stderr) = seed(&[]);
    assert!(!ok);
    assert!(stderr.contains("not empty"), "{stderr}");
    let (ok, _, stderr) = seed(&["--bench", "--invoices", "1000"]);
    assert!(!ok);
    assert!(stderr.contains("not empty"), "{stderr}");
}
