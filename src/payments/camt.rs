//! Reading the credits out of an ISO 20022 bank-to-customer message: a debit/credit
//! notification (camt.054) or an account statement (camt.053), of any version (the
//! elements are matched by their local names). Each booked credit transaction becomes a
//! [`Credit`]; debits and entries not booked yet are counted and left out. A message that
//! is not one of these, or whose amounts or dates cannot be read, is refused whole.

use chrono::NaiveDate;
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

pub fn read(xml: &str) -> Result<Message, Refused> {
    if xml.len() > MAX_BYTES {
        return Err(format!(
            "the file is larger than {} MB",
            MAX_BYTES / 1024 / 1024
        ));
    }
    let doc = Document::parse(xml).map_err(|e| format!("the file is not well-formed XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Document" {
        return Err("the file is not an ISO 20022 message (its root is not <Document>)".to_owned());
    }
    let (kind, reports) = if let Some(n) = child(root, "BkToCstmrDbtCdtNtfctn") {
        ("camt.054", children(n, "Ntfctn"))
    } else if let Some(s) = child(root, "BkToCstmrStmt") {
        ("camt.053", children(s, "Stmt"))
    } else {
        return Err(
            "the file is neither a camt.054 notification nor a camt.053 statement".to_owned(),
        );
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

fn read_entry(entry: Node, at: &str, message: &mut Message) -> Result<(), Refused> {
    let status = child(entry, "Sts")
        .map(|s| child(s, "Cd").map_or_else(|| text_of(s).to_owned(), |cd| text_of(cd).to_owned()));
    let booked = status.as_deref().is_none_or(|s| s.trim() == "BOOK");
    let direction = text(entry, &["CdtDbtInd"]).unwrap_or_default();
    let booked_on = text(entry, &["BookgDt", "Dt"])
        .or_else(|| text(entry, &["BookgDt", "DtTm"]).map(|t| t.get(..10).unwrap_or(t)))
        .or_else(|| text(entry, &["ValDt", "Dt"]));
    let entry_ref = text(entry, &["AcctSvcrRef"]).or_else(|| text(entry, &["NtryRef"]));
    let transactions: Vec<Node> = children(entry, "NtryDtls")
        .into_iter()
        .flat_map(|d| children(d, "TxDtls"))
        .collect();
    if !booked || direction != "CRDT" {
        message.skipped += transactions.len().max(1);
        return Ok(());
    }
    let booked_on = booked_on
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .ok_or_else(|| format!("{at}: no booking date like 2026-01-31"))?;
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
            .is_some_and(|d| d != "CRDT")
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
            .ok_or_else(|| format!("{here}: the amount has no currency"))?
            .to_owned();
        let amount = minor_units(text_of(amount_node)).ok_or_else(|| {
            format!(
                "{here}: the amount {:?} is not a positive amount like 150.00",
                text_of(amount_node)
            )
        })?;
        let own_ref = tx.and_then(|tx| text(tx, &["Refs", "AcctSvcrRef"]));
        let bank_ref = match (own_ref, entry_ref) {
            (Some(own), _) => own.trim().to_owned(),
            (None, Some(entry_ref)) if single => entry_ref.trim().to_owned(),
            (None, Some(entry_ref)) => format!("{}/{}", entry_ref.trim(), t + 1),
            (None, None) => {
                return Err(format!("{here}: no reference of the bank's (AcctSvcrRef)"));
            }
        };
        if bank_ref.is_empty() || bank_ref.len() > 140 {
            return Err(format!("{here}: the bank's reference is empty or too long"));
        }
        let reference = tx
            .and_then(|tx| {
                children(tx, "RmtInf")
                    .into_iter()
                    .flat_map(|r| children(r, "Strd"))
                    .find_map(|s| text(s, &["CdtrRefInf", "Ref"]))
            })
            .map(|r| r.trim().chars().take(60).collect::<String>());
        let debtor = tx
            .and_then(|tx| {
                text(tx, &["RltdPties", "Dbtr", "Nm"])
                    .or_else(|| text(tx, &["RltdPties", "Dbtr", "Pty", "Nm"]))
            })
            .map(|n| {
                n.trim()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(140)
                    .collect()
            });
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

fn text_of<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or_default()
}

fn text<'a>(node: Node<'a, '_>, names: &[&str]) -> Option<&'a str> {
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
            ("<root/>", "root"),
            (
                "<Document><BkToCstmrStmt><Stmt><Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-31</Dt></BookgDt><Amt Ccy=\"CHF\">1,00</Amt><AcctSvcrRef>A</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>",
                "not a positive amount",
            ),
        ] {
            let refused = read(xml).unwrap_err();
            assert!(refused.contains(says), "{refused}");
        }
    }
}
