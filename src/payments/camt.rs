//! Reading the credits out of an ISO 20022 bank-to-customer message: a debit/credit
//! notification (camt.054) or an account statement (camt.053), of any version (the
//! elements are matched by their local names). Each booked credit transaction becomes a
//! [`Credit`]; debits and entries not booked yet are counted and left out. A message that
//! is not one of these, or whose amounts or dates cannot be read, is refused whole.

use chrono::{Datelike, NaiveDate};
use roxmltree::{Document, Node};

use crate::domain::Currency;

/// A credit as the bank told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// The bank's own reference of the transaction: what makes a second import of it
    /// (the same file, or the statement after the notification) change nothing.
    pub bank_ref: String,
    /// The creditor reference the payer gave, as sent.
    pub reference: Option<String>,
    /// In minor units of `currency_code`.
    pub amount: i64,
    pub currency_code: String,
    pub booked_on: NaiveDate,
    /// Who paid, as the bank names them.
    pub debtor: Option<String>,
}

impl Credit {
    pub fn currency(&self) -> Option<Currency> {
        self.currency_code.parse().ok()
    }
}

/// What a message holds.
#[derive(Debug)]
pub struct Message {
    /// `camt.054` or `camt.053`.
    pub kind: &'static str,
    pub credits: Vec<Credit>,
    /// Debits and entries not booked, left out.
    pub skipped: usize,
}

/// Why a message was refused.
pub type Refused = String;

/// No larger message is read.
pub const MAX_BYTES: usize = 50 * 1024 * 1024;

/// The namespaces of the messages read, of any version.
const NOTIFICATION: &str = "urn:iso:std:iso:20022:tech:xsd:camt.054.";
const STATEMENT: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.";

/// No booking date is earlier than this year (nor later than tomorrow).
const EARLIEST_YEAR: i32 = 2000;

pub fn read(xml: &str) -> Result<Message, Refused> {
    if xml.len() > MAX_BYTES {
        return Err(format!(
            "the file is larger than {} MB",
            MAX_BYTES / 1024 / 1024
        ));
    }
    let doc = Document::parse(xml).map_err(|e| match e {
        roxmltree::Error::DtdDetected => {
            "the file declares a DTD, which bank messages never do".to_owned()
        }
        e => format!("the file is not well-formed XML: {e}"),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "Document" {
        return Err("the file is not an ISO 20022 message (its root is not <Document>)".to_owned());
    }
    // The message is what its namespace says, and holds that message only.
    let namespace = root.tag_name().namespace().unwrap_or_default();
    // Any version, written as the standard writes them: `001.08`.
    let of = |prefix: &str| {
        namespace.strip_prefix(prefix).is_some_and(|version| {
            let b = version.as_bytes();
            b.len() == 6
                && b[3] == b'.'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 3 || c.is_ascii_digit())
        })
    };
    let (kind, element, report) = if of(NOTIFICATION) {
        ("camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn")
    } else if of(STATEMENT) {
        ("camt.053", "BkToCstmrStmt", "Stmt")
    } else {
        return Err(format!(
            "the file is neither a camt.054 notification nor a camt.053 statement (its namespace is {:?})",
            namespace.chars().take(80).collect::<String>()
        ));
    };
    let body: Vec<Node> = root.children().filter(Node::is_element).collect();
    let reports = match body.as_slice() {
        [only] if only.tag_name().name() == element => children(*only, report),
        _ => {
            return Err(format!(
                "the {kind} message does not hold one <{element}> and nothing else"
            ));
        }
    };
    let mut message = Message {
        kind,
        credits: Vec::new(),
        skipped: 0,
    };
    for (r, report) in reports.into_iter().enumerate() {
        for (e, entry) in children(report, "Ntry").into_iter().enumerate() {
            let at = format!("report {}, entry {}", r + 1, e + 1);
            read_entry(entry, &at, &mut message)?;
        }
    }
    Ok(message)
}

/// An entry's booking day: `2026-01-31`, a day of the calendar, of this century.
fn booking_day(entry: Node, at: &str) -> Result<NaiveDate, Refused> {
    let written = text(entry, &["BookgDt", "Dt"])
        .or_else(|| text(entry, &["BookgDt", "DtTm"]).map(|t| t.trim().chars().take(10).collect()))
        .or_else(|| text(entry, &["ValDt", "Dt"]))
        .unwrap_or_default();
    let written = written.trim();
    let day = Some(written)
        .filter(|d| d.len() == 10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            format!("{at}: no booking date like 2026-01-31, or not a day of the calendar")
        })?;
    // Booked at most a day ahead of this machine's clock (the bank's time zone).
    let latest = crate::db::now().date() + chrono::TimeDelta::days(1);
    if day.year() < EARLIEST_YEAR || day > latest {
        return Err(format!("{at}: the booking date {day} cannot be right"));
    }
    Ok(day)
}

fn read_entry(entry: Node, at: &str, message: &mut Message) -> Result<(), Refused> {
    let status = child(entry, "Sts").map(|s| {
        child(s, "Cd")
            .or_else(|| child(s, "Prtry"))
            .map_or_else(|| text_of(s), text_of)
    });
    let booked = status.as_deref().is_none_or(|s| s.trim() == "BOOK");
    let credit = text(entry, &["CdtDbtInd"]).is_some_and(|d| d.trim() == "CRDT");
    let entry_ref = text(entry, &["AcctSvcrRef"]).or_else(|| text(entry, &["NtryRef"]));
    let transactions: Vec<Node> = children(entry, "NtryDtls")
        .into_iter()
        .flat_map(|d| children(d, "TxDtls"))
        .collect();
    if !booked || !credit {
        message.skipped += transactions.len().max(1);
        return Ok(());
    }
    let booked_on = booking_day(entry, at)?;
    // An entry without details is one transaction of its own amount.
    let parts: Vec<Option<Node>> = if transactions.is_empty() {
        vec![None]
    } else {
        transactions.into_iter().map(Some).collect()
    };
    let single = parts.len() == 1;
    for (t, tx) in parts.into_iter().enumerate() {
        let here = format!("{at}, transaction {}", t + 1);
        let source = tx.unwrap_or(entry);
        if tx
            .and_then(|tx| text(tx, &["CdtDbtInd"]))
            .is_some_and(|d| d.trim() != "CRDT")
        {
            message.skipped += 1;
            continue;
        }
        let amount_node = child(source, "Amt")
            .or_else(|| tx.and_then(|tx| path(tx, &["AmtDtls", "TxAmt", "Amt"])))
            .or_else(|| single.then(|| child(entry, "Amt")).flatten())
            .ok_or_else(|| format!("{here}: no amount"))?;
        let currency_code = amount_node
            .attribute("Ccy")
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
            .ok_or_else(|| {
                format!("{here}: the amount has no currency code like CHF (three capital letters)")
            })?
            .to_owned();
        let written = text_of(amount_node);
        let amount = minor_units(&written).ok_or_else(|| {
            format!(
                "{here}: the amount {:?} is not a positive amount like 150.00",
                written.chars().take(40).collect::<String>()
            )
        })?;
        let own_ref = tx.and_then(|tx| text(tx, &["Refs", "AcctSvcrRef"]));
        let bank_ref = match (own_ref.as_deref(), entry_ref.as_deref()) {
            (Some(own), _) => own.trim().to_owned(),
            (None, Some(entry_ref)) if single => entry_ref.trim().to_owned(),
            (None, Some(entry_ref)) => format!("{}/{}", entry_ref.trim(), t + 1),
            (None, None) => {
                return Err(format!("{here}: no reference of the bank's (AcctSvcrRef)"));
            }
        };
        if bank_ref.is_empty()
            || bank_ref.len() > 140
            || bank_ref
                .chars()
                .any(|c| c.is_control() || crate::domain::is_hidden_character(c))
        {
            return Err(format!(
                "{here}: the bank's reference is empty, too long or holds hidden characters"
            ));
        }
        // Two credits under one reference of the bank's: one would hide the other.
        if message.credits.iter().any(|c| c.bank_ref == bank_ref) {
            return Err(format!(
                "{here}: the bank's reference {bank_ref:?} is given to two credits"
            ));
        }
        let reference = tx
            .and_then(|tx| {
                children(tx, "RmtInf")
                    .into_iter()
                    .flat_map(|r| children(r, "Strd"))
                    .find_map(|s| text(s, &["CdtrRefInf", "Ref"]))
            })
            .map(|r| printable(&r, 60));
        let debtor = tx
            .and_then(|tx| {
                text(tx, &["RltdPties", "Dbtr", "Nm"])
                    .or_else(|| text(tx, &["RltdPties", "Dbtr", "Pty", "Nm"]))
            })
            .map(|n| printable(&n, 140));
        message.credits.push(Credit {
            bank_ref,
            reference,
            amount,
            currency_code,
            booked_on,
            debtor,
        });
    }
    Ok(())
}

/// `text` without control or hidden characters, its spaces collapsed, at most `max`
/// characters: what is kept of what the payer or the bank wrote.
fn printable(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !crate::domain::is_hidden_character(*c))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// `150.00` (or `150`, `150.5`) in minor units: a positive amount with at most two
/// decimals, as ISO 20022 writes it.
fn minor_units(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, cents) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 15
        || cents.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !cents.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let cents = format!("{cents:0<2}");
    let minor = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents.parse().ok()?)?;
    (minor > 0).then_some(minor)
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    node.children()
        .filter(|c| c.is_element() && c.tag_name().name() == name)
        .collect()
}

fn path<'a, 'i>(node: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(node, |n, name| child(n, name))
}

/// All the text of `node`, however it is split (comments, character references).
fn text_of(node: Node) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

fn text(node: Node, names: &[&str]) -> Option<String> {
    path(node, names)
        .map(text_of)
        .filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_positive_with_at_most_two_decimals() {
        assert_eq!(minor_units("150.00"), Some(15000));
        assert_eq!(minor_units(" 150 "), Some(15000));
        assert_eq!(minor_units("0.5"), Some(50));
        assert_eq!(minor_units("12."), Some(1200));
        for wrong in [
            "",
            "0",
            "0.00",
            "-1.00",
            "1,50",
            "1.505",
            "1e3",
            ".50",
            "9999999999999999",
        ] {
            assert_eq!(minor_units(wrong), None, "{wrong:?}");
        }
    }

    #[test]
    fn what_is_not_a_camt_message_is_refused() {
        for (xml, says) in [
            ("", "well-formed"),
            ("<Document><Other/></Document>", "neither"),
            (
                "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.08\"><BkToCstmrStmt/></Document>",
                "neither",
            ),
            (
                "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrDbtCdtNtfctn/></Document>",
                "does not hold",
            ),
            (
                "<!DOCTYPE d [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Document/>",
                "DTD",
            ),
            ("<root/>", "root"),
            (
                "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.evil\"><BkToCstmrDbtCdtNtfctn/></Document>",
                "neither",
            ),
            (
                "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrStmt><Stmt><Ntry><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>26-01-31</Dt></BookgDt><Amt Ccy=\"CHF\">1.00</Amt><AcctSvcrRef>A</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>",
                "no booking date",
            ),
            (
                "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrStmt><Stmt><Ntry><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>1999-12-31</Dt></BookgDt><Amt Ccy=\"CHF\">1.00</Amt><AcctSvcrRef>A</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>",
                "cannot be right",
            ),
            (
                "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrStmt><Stmt><Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-31</Dt></BookgDt><Amt Ccy=\"CHF\">1,00</Amt><AcctSvcrRef>A</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>",
                "not a positive amount",
            ),
        ] {
            let refused = read(xml).unwrap_err();
            assert!(refused.contains(says), "{refused}");
        }
        let ahead = crate::db::now().date() + chrono::TimeDelta::days(7);
        let xml = format!(
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrStmt><Stmt><Ntry><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>{ahead}</Dt></BookgDt><Amt Ccy=\"CHF\">1.00</Amt><AcctSvcrRef>A</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>"
        );
        assert!(
            read(&xml).unwrap_err().contains("cannot be right"),
            "booked next week"
        );
    }

    #[test]
    fn text_split_by_a_comment_is_read_whole_and_hidden_characters_are_not_kept() {
        let xml = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04\"><BkToCstmrStmt><Stmt><Ntry><CdtDbtInd> CRDT </CdtDbtInd><Sts><Prtry>BOOK</Prtry></Sts><BookgDt><Dt>2026-01-31</Dt></BookgDt><Amt Ccy=\"CHF\">1<!-- -->000.00</Amt><AcctSvcrRef>A</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Strd><CdtrRefInf><Ref>RF18&#10;forged\u{202e}line</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>";
        let message = read(xml).unwrap();
        assert_eq!(message.credits.len(), 1);
        assert_eq!(message.credits[0].amount, 100_000);
        assert_eq!(
            message.credits[0].reference.as_deref(),
            Some("RF18 forgedline")
        );
        let twice = xml.replace("<TxDtls>", "<TxDtls><Refs><AcctSvcrRef>T</AcctSvcrRef></Refs><Amt Ccy=\"CHF\">1.00</Amt>").replace("</NtryDtls>", "<TxDtls><Refs><AcctSvcrRef>T</AcctSvcrRef></Refs><Amt Ccy=\"CHF\">2.00</Amt></TxDtls></NtryDtls>");
        assert!(read(&twice).unwrap_err().contains("given to two credits"));
    }
}
