//! A moto server of a test's own (with the AWS managed policies loaded), for the tests
//! that must not share the backend's.

#[allow(unused_imports)]
use super::*;

/// A moto server of a test's own (`ECSROLE_TEST_MOTO_SERVER`, set by `cargo xtask test`),
/// for work that would slow every other test on the shared one; killed when dropped.
pub struct OwnMoto {
    pub url: String,
    child: std::process::Child,
}

impl OwnMoto {
    /// `None` (the caller prints why and skips) without `ECSROLE_TEST_MOTO_SERVER`.
    pub fn start(managed_policies: bool) -> Option<OwnMoto> {
        let server = std::env::var_os("ECSROLE_TEST_MOTO_SERVER")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Behind a watchdog: moto goes when the test process goes, however it ends.
        let child = Command::new("bash")
            .args(["-c", OWN_MOTO, "ecsrole-test-moto"])
            .arg(server)
            .arg(port.to_string())
            .arg(std::process::id().to_string())
            .arg(if managed_policies { "true" } else { "false" })
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = OwnMoto {
            url: format!("http://127.0.0.1:{port}"),
            child,
        };
        for _ in 0..300 {
            if moto_answers(port) {
                return Some(moto);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("moto server on port {port} did not answer within 30s");
    }
}

pub(crate) fn moto_answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
    // The status line is enough (the server may keep the connection open).
    let mut status = [0u8; 12];
    s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_ok()
        && s.read_exact(&mut status).is_ok()
        && status.ends_with(b" 200")
}

/// `$1` moto_server, `$2` port, `$3` the test process, `$4` load managed policies.
pub(crate) const OWN_MOTO: &str = r#"
MOTO_IAM_LOAD_MANAGED_POLICIES=$4 "$1" -H 127.0.0.1 -p "$2" >/dev/null 2>&1 &
m=$!
trap 'kill -9 $m 2>/dev/null; wait $m 2>/dev/null; exit 0' TERM
trap 'kill -9 $m 2>/dev/null; wait $m 2>/dev/null' EXIT
while kill -0 "$3" 2>/dev/null && kill -0 "$m" 2>/dev/null; do sleep 0.5; done
"#;

impl Drop for OwnMoto {
    fn drop(&mut self) {
        // The watchdog kills moto at once (its state is thrown away), reaps it (no
        // `<defunct>` left for `ps` to show) and exits.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
