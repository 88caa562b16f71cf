//! A loopback TCP proxy in front of a PostgreSQL database that a test can cut, to play a
//! network or server outage without stopping the server other tests share.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Forwards connections to the database of `url` while up; `cut` drops every open connection
/// and refuses new ones until `restore`.
pub struct OutageProxy {
    url: String,
    down: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

/// Where the proxy connects: the cluster's socket directory, or a host and port.
enum Upstream {
    Socket(std::path::PathBuf),
    Tcp(String),
}

impl OutageProxy {
    /// Starts a proxy for the database at `url` (a URL from [`crate::fresh_postgres_url`]).
    pub async fn start(url: &str) -> OutageProxy {
        let (head, query) = url.split_once('?').unwrap_or((url, ""));
        let socket_dir = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("host="))
            .map(std::path::PathBuf::from);
        let after_scheme = &head[head.find("://").expect("a URL") + 3..];
        let (authority, database) = after_scheme.split_once('/').unwrap_or((after_scheme, ""));
        let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
        let upstream = match socket_dir {
            Some(dir) => Upstream::Socket(dir),
            None if host.contains(':') => Upstream::Tcp(host.to_owned()),
            None => Upstream::Tcp(format!("{host}:5432")),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("an address").port();
        let at = if user.is_empty() {
            String::new()
        } else {
            format!("{user}@")
        };
        let proxy = OutageProxy {
            url: format!("postgres://{at}127.0.0.1:{port}/{database}"),
            down: Arc::new(AtomicBool::new(false)),
            cuts: watch::channel(0).0,
        };
        let (down, cuts) = (proxy.down.clone(), proxy.cuts.clone());
        let upstream = Arc::new(upstream);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if down.load(Ordering::SeqCst) {
                    drop(client); // refused: closed at once
                    continue;
                }
                let (upstream, mut cut) = (upstream.clone(), cuts.subscribe());
                tokio::spawn(async move {
                    let mut client = client;
                    let relay = async {
                        match &*upstream {
                            Upstream::Socket(dir) => {
                                let path = dir.join(".s.PGSQL.5432");
                                let mut server = tokio::net::UnixStream::connect(path).await?;
                                relay(&mut client, &mut server).await
                            }
                            Upstream::Tcp(addr) => {
                                let mut server = tokio::net::TcpStream::connect(addr).await?;
                                relay(&mut client, &mut server).await
                            }
                        }
                    };
                    tokio::select! {
                        _ = relay => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        proxy
    }

    /// The database's URL through the proxy.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The outage starts: open connections are dropped, new ones refused.
    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// The database is reachable again.
    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

async fn relay<A, B>(a: &mut A, b: &mut B) -> std::io::Result<()>
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    tokio::io::copy_bidirectional(a, b).await.map(|_| ())
}
