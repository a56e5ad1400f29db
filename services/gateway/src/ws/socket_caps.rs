//! Caps on the sockets open at once on this gateway, per account and per client address,
//! so that one account or one host cannot hold the gateway's memory with idle sockets.
//! Counted in the process (a socket lives on one gateway), so the store being down never
//! lifts them; with several gateways each applies its own caps.

use std::{
    borrow::Borrow,
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// Which cap a new socket would exceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The account already holds its share of sockets.
    Account,
    /// The client address already holds its share.
    Address,
}

/// The open-socket counts and their caps; shared by every socket of the gateway.
#[derive(Debug)]
pub struct SocketCaps {
    per_account: usize,
    per_address: usize,
    open: Mutex<OpenSockets>,
}

#[derive(Debug, Default)]
struct OpenSockets {
    accounts: HashMap<String, usize>,
    addresses: HashMap<IpAddr, usize>,
}

impl SocketCaps {
    /// Caps of `per_account` sockets per account and `per_address` per client address.
    pub fn new(per_account: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            per_account,
            per_address,
            open: Mutex::default(),
        })
    }

    /// Counts a socket of `account` from `address` if both are under their caps; the count
    /// is given back when the returned slot drops.
    pub fn admit(self: &Arc<Self>, account: &str, address: IpAddr) -> Result<SocketSlot, Refusal> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.accounts.get(account).copied().unwrap_or(0) >= self.per_account {
            return Err(Refusal::Account);
        }
        if open.addresses.get(&address).copied().unwrap_or(0) >= self.per_address {
            return Err(Refusal::Address);
        }
        *open.accounts.entry(account.to_owned()).or_default() += 1;
        *open.addresses.entry(address).or_default() += 1;
        Ok(SocketSlot {
            caps: self.clone(),
            account: account.to_owned(),
            address,
        })
    }
}

/// One admitted socket's place in the counts, given back on drop.
#[derive(Debug)]
pub struct SocketSlot {
    caps: Arc<SocketCaps>,
    account: String,
    address: IpAddr,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self.caps.open.lock().unwrap_or_else(|e| e.into_inner());
        let open = &mut *open;
        give_back(&mut open.accounts, &self.account);
        give_back(&mut open.addresses, &self.address);
    }
}

/// Lowers `key`'s count, forgetting it at zero so the maps hold only open sockets' keys.
fn give_back<K: Borrow<Q> + Hash + Eq, Q: Hash + Eq + ?Sized>(
    counts: &mut HashMap<K, usize>,
    key: &Q,
) {
    if let Some(count) = counts.get_mut(key) {
        *count -= 1;
        if *count == 0 {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_account_over_its_cap_is_refused_until_a_socket_closes() {
        let caps = SocketCaps::new(2, 100);
        let a = caps.admit("u1", ip("10.0.0.1")).unwrap();
        let _b = caps.admit("u1", ip("10.0.0.2")).unwrap();
        assert_eq!(
            caps.admit("u1", ip("10.0.0.3")).unwrap_err(),
            Refusal::Account
        );
        assert!(
            caps.admit("u2", ip("10.0.0.3")).is_ok(),
            "others unaffected"
        );
        drop(a);
        assert!(caps.admit("u1", ip("10.0.0.3")).is_ok());
    }

    #[test]
    fn an_address_over_its_cap_is_refused_and_counts_are_forgotten_at_zero() {
        let caps = SocketCaps::new(100, 2);
        let slots: Vec<_> = ["u1", "u2"]
            .iter()
            .map(|u| caps.admit(u, ip("192.0.2.7")).unwrap())
            .collect();
        assert_eq!(
            caps.admit("u3", ip("192.0.2.7")).unwrap_err(),
            Refusal::Address
        );
        // A refusal counts nothing.
        assert_eq!(caps.open.lock().unwrap().accounts.get("u3"), None);
        drop(slots);
        let open = caps.open.lock().unwrap();
        assert!(open.accounts.is_empty() && open.addresses.is_empty());
    }
}
