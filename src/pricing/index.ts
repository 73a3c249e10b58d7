export * from './pricing-config-schema.js';
export * from './price-catalog.js';
export * from './create-price-book.js';
export * from './check-pricing-references.js';
