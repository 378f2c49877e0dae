import { Type, type Static } from '@sinclair/typebox';
import { Country, EntityKey, Identifier, Label, PositiveQty } from './primitives.ts';

/** Data schemas of `user_events` (key: userId), newest version of each type. */

const Ip = Identifier(2, 45);

export const LoginSucceeded = Type.Object({ userId: EntityKey, country: Country, ip: Ip, deviceId: EntityKey });
export const LoginFailed = Type.Object({ userId: EntityKey, country: Country, ip: Ip });
export const AccountUpdated = Type.Object({
  userId: EntityKey,
  field: Type.Union([
    Type.Literal('email'),
    Type.Literal('password'),
    Type.Literal('payment_method'),
    Type.Literal('address'),
  ]),
});
export const PageViewed = Type.Object({ userId: EntityKey, path: Label });
export const CartItemAdded = Type.Object({ userId: EntityKey, sku: EntityKey, qty: PositiveQty });

export type LoginSucceededData = Static<typeof LoginSucceeded>;
export type LoginFailedData = Static<typeof LoginFailed>;
export type AccountUpdatedData = Static<typeof AccountUpdated>;
export type PageViewedData = Static<typeof PageViewed>;
export type CartItemAddedData = Static<typeof CartItemAdded>;
