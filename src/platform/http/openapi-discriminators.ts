/**
 * An OpenAPI discriminator without a `mapping` means "the tag's value is the schema's name" (kind: LocationObservation),
 * while ours are the `const` (or `enum`) of the tag in each branch (kind: location). Ajv validates by those and refuses
 * a `mapping`, so the route schemas carry none: the document gets one here, derived from the branches themselves.
 */

const COMPONENT_REF = /^#\/components\/schemas\/(.+)$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** The tag values a branch schema accepts: its `properties[tag].const`, or the strings of its `enum`. */
function tagValues(branch: unknown, tagName: string): string[] {
  const tag = isObject(branch) && isObject(branch.properties) ? branch.properties[tagName] : undefined;
  if (!isObject(tag)) return [];
  if (typeof tag.const === 'string') return [tag.const];
  return Array.isArray(tag.enum) ? tag.enum.filter((value): value is string => typeof value === 'string') : [];
}

/** Adds a `mapping` to every discriminator whose oneOf lists references to components; returns `document`. */
export function addDiscriminatorMappings<T extends Json>(document: T): T {
  const components =
    isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isObject(node)) return;
    const discriminator = node.discriminator;
    if (
      isObject(discriminator) &&
      typeof discriminator.propertyName === 'string' &&
      discriminator.mapping === undefined &&
      Array.isArray(node.oneOf)
    ) {
      const mapping: Record<string, string> = {};
      for (const branch of node.oneOf) {
        const ref = isObject(branch) && typeof branch.$ref === 'string' ? branch.$ref : undefined;
        const name = ref === undefined ? undefined : COMPONENT_REF.exec(ref)?.[1];
        if (ref === undefined || name === undefined) continue;
        for (const value of tagValues(components[name], discriminator.propertyName)) mapping[value] = ref;
      }
      // A new object: the document's schemas may share objects with the routes' own, which ajv compiles.
      if (Object.keys(mapping).length > 0) node.discriminator = { ...discriminator, mapping };
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(document);
  return document;
}
