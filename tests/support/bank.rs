//! A bank's notification of one credit (camt.054), for the tests that pay an invoice.

/// A camt.054 notification of one booked credit of `amount` minor units in CHF, given
/// `reference` (a QR reference or a creditor reference), under the bank's `bank_ref`.
pub fn notification(reference: &str, amount: i64, bank_ref: &str) -> String {
    let (kind, amount) = (
        if reference.starts_with("RF") {
            "<Cd>SCOR</Cd>"
        } else {
            "<Prtry>QRR</Prtry>"
        },
        format!("{}.{:02}", amount / 100, amount % 100),
    );
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>{bank_ref}</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>{bank_ref}-1</Id>
      <Acct><Id><IBAN>CH4431999123000889012</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="CHF">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-30</Dt></BookgDt>
        <AcctSvcrRef>{bank_ref}</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>{bank_ref}-1</AcctSvcrRef></Refs>
          <Amt Ccy="CHF">{amount}</Amt>
          <CdtDbtInd>CRDT</CdtDbtInd>
          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry>{kind}</CdOrPrtry></Tp><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>"#
    )
}
