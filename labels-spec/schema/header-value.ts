// Configured text that pe-edge writes into a response header: refused at load when no HTTP writer could send it.
import { isConfiguredFieldValue } from './header-syntax.js';
import { listOf, str } from './scalars.js';

export const CONTROL_CHARACTER = 'the value holds a CR, LF or other control character';

/**
 * One header value (contentSecurityPolicy, a realm): any text but control characters other than HTAB. Go's
 * server would write CR and LF as spaces; pe-edge names the field instead of ending each answer that carries it.
 */
export const headerValue = str.refine(isConfiguredFieldValue, CONTROL_CHARACTER);

/** Items joined into one header value (CORS's allowed methods and headers). */
export const headerValueList = listOf(headerValue);
