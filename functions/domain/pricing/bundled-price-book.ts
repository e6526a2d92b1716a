import { parsePriceBook, type PriceBook } from './price-book';
import raw from './price-book.json';

/** The price book shipped with costline, bundled into each function; validated once, at load. */
export const bundledPriceBook: PriceBook = parsePriceBook(raw, 'functions/domain/pricing/price-book.json');
