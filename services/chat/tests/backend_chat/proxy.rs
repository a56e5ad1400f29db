//! A TCP proxy in front of the shared CQL server that a test can cut and restore, to
//! simulate an outage without stopping a server other people use.

use std::net::SocketAddr;

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// A proxy on `127.0.0.1:0` to one upstream address; while down, it refuses to relay and
/// has dropped every relayed connection.
pub struct Proxy {
    addr: SocketAddr,
    up: watch::Sender<bool>,
}

impl Proxy {
    /// Starts relaying to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, _) = watch::channel(true);
        let state = up.subscribe();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !*state.borrow() {
                    continue;
                }
                tokio::spawn(relay(client, upstream, state.clone()));
            }
        });
        Self { addr, up }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drops every relayed connection and refuses new ones, or relays again.
    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// Relays one connection until either side closes or the proxy goes down.
async fn relay(mut client: TcpStream, upstream: SocketAddr, mut state: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = state.wait_for(|up| !*up) => {}
    }
}
