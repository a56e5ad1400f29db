//! The target registry: each component, what it needs, and the order to start them in
//! (Loki/Mimir style: a target is a set of components; `local` is just all of them).

use std::{fmt, str::FromStr};

/// One gochat service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// Verification codes and mail.
    Email,
    /// Accounts, sessions, tokens; calls email.
    Auth,
    /// Conversations and messages; produces delivery events.
    Chat,
    /// The public API; calls auth and chat, consumes delivery events.
    Gateway,
}

impl Component {
    /// Every component, in start order (each after the ones it calls).
    pub const ALL: [Component; 4] = [Self::Email, Self::Auth, Self::Chat, Self::Gateway];

    /// The components this one calls over gRPC.
    pub fn dependencies(self) -> &'static [Component] {
        match self {
            Self::Email | Self::Chat => &[],
            Self::Auth => &[Self::Email],
            Self::Gateway => &[Self::Auth, Self::Chat],
        }
    }

    /// The lower-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Auth => "auth",
            Self::Chat => "chat",
            Self::Gateway => "gateway",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Component {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| format!("unknown target {s:?} (expected email, auth, chat or gateway)"))
    }
}

/// A set of components to run in one process, without repeats, each after the
/// components it calls (so their listeners are bound before its clients are built).
pub fn start_order(targets: &[Component]) -> Vec<Component> {
    let mut order: Vec<Component> = Vec::new();
    fn visit(c: Component, targets: &[Component], order: &mut Vec<Component>) {
        if order.contains(&c) {
            return;
        }
        for &dep in c.dependencies() {
            if targets.contains(&dep) {
                visit(dep, targets, order);
            }
        }
        order.push(c);
    }
    for c in Component::ALL.into_iter().filter(|c| targets.contains(c)) {
        visit(c, targets, &mut order);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_order_puts_callees_first_and_drops_repeats() {
        let order = start_order(&[Component::Gateway, Component::Email, Component::Gateway]);
        assert_eq!(order, vec![Component::Email, Component::Gateway]);
        let all = start_order(&[
            Component::Gateway,
            Component::Auth,
            Component::Chat,
            Component::Email,
        ]);
        assert_eq!(all.len(), 4);
        for (i, c) in all.iter().enumerate() {
            for dep in c.dependencies() {
                let j = all.iter().position(|x| x == dep).unwrap();
                assert!(j < i, "{dep} must start before {c}");
            }
        }
    }

    #[test]
    fn parses_names() {
        assert_eq!("chat".parse::<Component>(), Ok(Component::Chat));
        assert!("mail".parse::<Component>().is_err());
    }
}
