import { h, replace } from '../shared/dom.js';
import type { View } from './context.js';
import { issueCodeCard } from './issue-code.js';

/**
 * Laboratories: a verification code for each positive result, handed to the person tested. Their case stays
 * unmanaged until a health professional takes it on.
 */
export const labView: View = (main, context) => {
  replace(main, h('div', { class: 'grid' }, issueCodeCard(context)));
};
