/**
 * Static reference data of the simulated shop: where customers live, what they pay in, what pages
 * exist, why payments fail. Kept apart from the simulation so that the behaviour code reads as
 * behaviour, and so that tests can refer to the same lists.
 */

/** Home markets, weighted by share of customers. Currencies are all within ~2× of the US dollar,
 * which keeps the fraud rule's absolute "> 500" threshold meaningful across markets. */
export const HOME_COUNTRIES = [
  { country: 'US', currency: 'USD', weight: 34, ipFirst: [24, 73, 98, 174] },
  { country: 'GB', currency: 'GBP', weight: 11, ipFirst: [81, 86, 90] },
  { country: 'DE', currency: 'EUR', weight: 10, ipFirst: [79, 87, 91] },
  { country: 'FR', currency: 'EUR', weight: 8, ipFirst: [82, 88, 90] },
  { country: 'CA', currency: 'CAD', weight: 7, ipFirst: [24, 70, 142] },
  { country: 'AU', currency: 'AUD', weight: 5, ipFirst: [1, 58, 101] },
  { country: 'ES', currency: 'EUR', weight: 5, ipFirst: [80, 83, 88] },
  { country: 'IT', currency: 'EUR', weight: 5, ipFirst: [79, 93, 151] },
  { country: 'NL', currency: 'EUR', weight: 4, ipFirst: [77, 84, 145] },
  { country: 'IE', currency: 'EUR', weight: 2, ipFirst: [78, 86, 109] },
  { country: 'BE', currency: 'EUR', weight: 2, ipFirst: [81, 91, 109] },
  { country: 'AT', currency: 'EUR', weight: 2, ipFirst: [62, 80, 178] },
  { country: 'CH', currency: 'CHF', weight: 2, ipFirst: [62, 85, 178] },
  { country: 'SG', currency: 'SGD', weight: 2, ipFirst: [103, 116, 175] },
  { country: 'NZ', currency: 'NZD', weight: 1, ipFirst: [49, 115, 222] },
] as const;

export const HOME_COUNTRY_WEIGHTS: readonly number[] = HOME_COUNTRIES.map((c) => c.weight);

/** Countries fraudsters appear from in the injected patterns: disjoint from HOME_COUNTRIES, so
 * "different country" holds by construction. */
export const FOREIGN_COUNTRIES = ['BR', 'NG', 'RU', 'VN', 'ID', 'RO', 'PH', 'UA', 'TR', 'KZ'] as const;

export const CATEGORIES = ['electronics', 'home', 'kitchen', 'books', 'toys', 'sports', 'beauty', 'garden', 'fashion', 'pets'] as const;

export const SEARCH_TERMS = [
  'headphones', 'running+shoes', 'coffee+grinder', 'usb-c+cable', 'yoga+mat', 'desk+lamp',
  'backpack', 'water+bottle', 'phone+case', 'lego', 'board+game', 'air+fryer', 'sunscreen',
] as const;

export const ACCOUNT_PAGES = ['/account', '/account/orders', '/account/addresses', '/help', '/wishlist'] as const;

/** Why a legitimate customer's card is declined (then retried successfully). */
export const SOFT_DECLINES = ['insufficient_funds', 'do_not_honor', 'issuer_unavailable', 'try_again_later'] as const;

/** What a card tester's stolen card numbers come back with. */
export const TESTING_DECLINES = ['incorrect_cvc', 'invalid_number', 'expired_card', 'stolen_card', 'do_not_honor'] as const;

export const CUSTOMER_CANCEL_REASONS = ['customer_request', 'changed_mind', 'found_cheaper', 'delivery_too_slow'] as const;

export const STOCK_ADJUST_REASONS = ['damaged', 'cycle_count', 'returned_to_vendor', 'found_in_warehouse'] as const;

/** Account changes of ordinary customers; email and payment-method changes are the rare ones,
 * and the only ones the account-takeover rule looks at. */
export const ACCOUNT_FIELDS = ['address', 'password', 'email', 'payment_method'] as const;
export const ACCOUNT_FIELD_WEIGHTS = [55, 30, 8, 7] as const;
