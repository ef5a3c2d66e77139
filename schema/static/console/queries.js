// Every figure the console shows comes from these public GraphQL operations.

const FRESHNESS = "freshness { source fetchedAt stale }";

export const PROFILE = `query ConsoleProfile($code: ID!) {
  enterprise(creditCode: $code) {
    creditCode name industry monthsInBusiness
    region { province city county }
    registration {
      legalForm registeredCapitalYuan foundedOn address status isCore creditCodeAgrees
      legalRepresentative { name idNumberMasked phoneMasked }
      ${FRESHNESS}
    }
    indicators {
      sourcesUsed sourcesWithheld sourcesUnavailable riskFlags
      electricityYoyGrowth onTimePaymentRate taxGrade salesGrowth unconfirmedReceivablesShare shipmentsGrowth
    }
    electricity(months: 12) {
      ${FRESHNESS}
      averageMonthlyKwh yoyGrowth volatility onTimePaymentRate arrearsYuan monthsInArrears
      months { month kwh billYuan }
    }
    tax(years: 3) {
      ${FRESHNESS}
      grade gradeYear overdueFilings
      years { year taxPaidYuan invoicedSalesYuan taxPaidGrowth }
      invoicedMonths { month invoicedSalesYuan }
    }
    trade(months: 12) {
      ${FRESHNESS}
      gmvYuan outstandingReceivablesYuan confirmedShare
      months { month salesYuan }
    }
    logistics(months: 12) {
      ${FRESHNESS}
      shipments freightYuan
      months { month shipments outbound inbound }
    }
    customs(months: 12) {
      ${FRESHNESS}
      fobYuan fxReceiptRatio exportYoyGrowth
    }
  }
}`;

export const RECEIVABLES = `query ConsoleReceivables($code: ID!, $after: String) {
  enterprise(creditCode: $code) {
    trade(months: 12) {
      receivables(first: 100, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { creditorCode amountYuan dueOn confirmed settled }
      }
    }
  }
}`;
export const RECEIVABLE_PAGES = 10;

export const VERIFICATION = `query ConsoleVerification($code: ID!) {
  enterprise(creditCode: $code) {
    verification { flags highestSeverity checks { code status severity sources } }
  }
}`;

export const PRODUCTS = `query ConsoleProducts { products { key name latestVersion } }`;

export const ASSESS = `mutation ConsoleAssess($code: ID!, $product: ID!) {
  assess(creditCode: $code, product: $product) {
    id product productVersion decision score rating creditLineYuan
    reasons { code message }
  }
}`;

export const SUPPLY_CHAIN = `query ConsoleSupplyChain($code: ID!, $depth: Int!) {
  supplyChain(coreCreditCode: $code, depth: $depth) {
    core { creditCode name }
    suppliers { creditCode name tier via amountYuan orders }
    distributors { creditCode name tier via amountYuan orders }
  }
}`;
