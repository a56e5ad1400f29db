//! The verification mail's wording.

use super::OutgoingMail;

/// Subject of every verification mail.
pub const SUBJECT: &str = "Your gochat verification code";

/// Longest greeting name kept; the rest is cut (auth allows 64 characters).
const MAX_NAME_CHARS: usize = 64;

/// The mail carrying `code` to `to`, greeting `display_name`.
pub fn verification_mail(to: &str, display_name: &str, code: &str) -> OutgoingMail {
    let name = greeting_name(display_name);
    let greeting = if name.is_empty() {
        "Hello,".to_owned()
    } else {
        format!("Hello {name},")
    };
    let text = format!(
        "{greeting}\n\
         \n\
         Your verification code is {code}\n\
         \n\
         Enter it in gochat to confirm your email address. It expires in 15 minutes.\n\
         \n\
         If you did not request this code, you can ignore this email.\n\
         \n\
         -- gochat\n"
    );
    OutgoingMail {
        to: to.to_owned(),
        subject: SUBJECT.to_owned(),
        text,
    }
}

/// The display name on one line: control characters (line breaks included) become spaces,
/// runs of whitespace collapse, and overly long names are cut.
fn greeting_name(display_name: &str) -> String {
    let cleaned: String = display_name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_NAME_CHARS)
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_greets_and_carries_the_code() {
        let mail = verification_mail("ada@example.org", "Ada Lovelace", "012345");
        assert_eq!(mail.to, "ada@example.org");
        assert_eq!(mail.subject, "Your gochat verification code");
        assert!(mail.text.starts_with("Hello Ada Lovelace,\n"));
        assert!(
            mail.text
                .lines()
                .any(|l| l == "Your verification code is 012345")
        );
        assert!(mail.text.contains("expires in 15 minutes"));
        assert!(mail.text.contains("you can ignore this email"));
    }

    #[test]
    fn hostile_names_stay_on_one_line() {
        let mail = verification_mail("a@b.c", "Eve\r\nYour verification code is 999999", "123456");
        let code_lines: Vec<_> = mail
            .text
            .lines()
            .filter(|l| l.starts_with("Your verification code is"))
            .collect();
        assert_eq!(code_lines, ["Your verification code is 123456"]);
        let long = verification_mail("a@b.c", &"x".repeat(1000), "123456");
        assert!(long.text.lines().next().unwrap().len() < 80);
        let blank = verification_mail("a@b.c", " \t ", "123456");
        assert!(blank.text.starts_with("Hello,\n"));
    }
}
