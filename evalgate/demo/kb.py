"""The demo copilot's built-in knowledge base: a small help center for a fictional SaaS product.

Each article has a stable id (cited as ``[kb-...]`` in answers), a title, a body made of short
sentences (answers quote them), a ticket category, and a few extra search keywords that stand in
for the synonyms an embedding model would catch.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """One help-center article."""

    id: str
    title: str
    body: str
    category: str
    keywords: tuple[str, ...] = ()


ARTICLES: tuple[Article, ...] = (
    Article(
        "kb-refunds",
        "Refund policy",
        "Customers can request a refund within 30 days of purchase on any plan. "
        "To ask for one, open Billing > Orders and choose Request refund, or contact support "
        "with the order number. "
        "Approved refunds go back to the original payment method and reach your card within "
        "5-10 business days. "
        "Duplicate charges are always refunded in full.",
        "billing",
        ("refund", "money back", "reimburse", "charged twice", "duplicate charge"),
    ),
    Article(
        "kb-shipping",
        "Shipping times and tracking",
        "Standard shipping takes 3-5 business days within the continental US and express "
        "shipping takes 1-2 business days. "
        "We ship to more than 40 countries, and international orders usually arrive within "
        "7-14 business days. "
        "Every order gets a tracking number by email as soon as it leaves the warehouse. "
        "You can also find the tracking number under Account > Orders. "
        "Orders placed before 2 pm Eastern ship the same day.",
        "shipping",
        ("ship", "delivery", "deliver", "tracking", "international", "courier", "abroad"),
    ),
    Article(
        "kb-returns",
        "Returns and damaged items",
        "Unused items can be returned within 45 days of delivery for a full refund of the item "
        "price. "
        "Start a return from Account > Orders and print the prepaid label. "
        "If an item arrived damaged, take a photo of the damage and the packaging and send it to "
        "support within 7 days. "
        "We ship a replacement for damaged items at no cost.",
        "shipping",
        ("return", "damaged", "broken", "defective", "replacement", "exchange"),
    ),
    Article(
        "kb-password-reset",
        "Resetting your password",
        "To reset your password, click Forgot password on the sign-in page and enter the email "
        "address on your account. "
        "The reset link we email is valid for 1 hour, so request a new one if it has expired. "
        "After five failed sign-in attempts the account is locked for 15 minutes. "
        "Administrators can also send a reset link from Settings > Members.",
        "account",
        ("password", "forgot", "reset", "sign in", "login", "log in", "locked out"),
    ),
    Article(
        "kb-two-factor",
        "Two-factor authentication",
        "Two-factor authentication (2FA) adds a one-time code from an authenticator app to every "
        "sign-in. "
        "Turn it on under Settings > Security. "
        "If you lose your phone, sign in with one of the ten backup codes you saved when you "
        "enabled 2FA. "
        "Without backup codes, a workspace administrator can reset 2FA for you.",
        "account",
        ("2fa", "two-factor", "authenticator", "mfa", "one-time code", "backup code", "phone"),
    ),
    Article(
        "kb-invoices",
        "Invoices and receipts",
        "Invoices are issued on the first day of each billing cycle and emailed to the billing "
        "contact. "
        "You can download every past invoice as a PDF from Billing > Invoices. "
        "To add a VAT number or change the company address on invoices, edit Billing > Company "
        "details, and future invoices use the new details. "
        "If an invoice is wrong, reply to the invoice email and the billing team issues a "
        "corrected invoice within 2 business days.",
        "billing",
        ("invoice", "receipt", "vat", "tax", "billing address", "pdf"),
    ),
    Article(
        "kb-payment-methods",
        "Payment methods",
        "We accept Visa, Mastercard, American Express and PayPal. "
        "Enterprise customers can also pay by bank transfer on net-30 terms. "
        "Update your card under Billing > Payment methods, and the new card is used for the "
        "next charge. "
        "If a payment fails we retry three times over seven days before pausing the workspace.",
        "billing",
        ("card", "credit card", "paypal", "payment", "bank transfer", "declined", "pay"),
    ),
    Article(
        "kb-plans",
        "Changing your plan",
        "You can upgrade or downgrade between the Free, Team and Enterprise plans at any time "
        "from Billing > Plan. "
        "Upgrades take effect immediately and are prorated for the rest of the cycle. "
        "Downgrades take effect at the end of the current billing cycle. "
        "Switching from monthly to annual billing saves 20%.",
        "billing",
        ("upgrade", "downgrade", "plan", "pricing", "price", "monthly", "prorate"),
    ),
    Article(
        "kb-cancel-subscription",
        "Cancelling a subscription",
        "Owners can cancel a subscription from Billing > Plan by choosing Cancel subscription. "
        "The workspace stays active until the end of the paid period and then moves to the "
        "Free plan. "
        "Monthly plans are not refunded for partial months, and annual plans cancelled within "
        "30 days of purchase are refunded in full. "
        "Your data is kept for 90 days after cancellation in case you come back.",
        "billing",
        ("cancel", "cancellation", "unsubscribe", "annual plan", "stop paying"),
    ),
    Article(
        "kb-account-deletion",
        "Deleting your account",
        "Workspace owners can permanently delete an account from Settings > Account > Delete "
        "account. "
        "Deletion removes all projects, members and files and cannot be undone. "
        "We finish erasing backups within 30 days. "
        "Export your data first if you want to keep a copy.",
        "account",
        ("delete", "deletion", "remove account", "erase", "permanently"),
    ),
    Article(
        "kb-data-export",
        "Exporting your data",
        "You can export all workspace data from Settings > Data export. "
        "Exports include projects, comments and files as CSV and JSON in a single ZIP archive. "
        "Large exports are prepared in the background, and we email a download link that is "
        "valid for 7 days. "
        "Exports are available on every plan, including Free.",
        "data",
        ("export", "download data", "csv", "json", "archive", "migrate", "copy of my data"),
    ),
    Article(
        "kb-privacy",
        "Privacy and GDPR",
        "We process personal data under the GDPR and sign a data processing agreement (DPA) on "
        "request. "
        "Customer data is stored in the EU (Frankfurt) or the US (Oregon), chosen when the "
        "workspace is created. "
        "To request access to or erasure of personal data, email privacy@example.com. "
        "We never sell customer data or use it to train models.",
        "data",
        ("gdpr", "privacy", "personal data", "dpa", "data residency", "eu", "stored"),
    ),
    Article(
        "kb-sla",
        "Service level agreement",
        "The Enterprise plan includes a 99.9% monthly uptime SLA. "
        "If uptime falls below the target, customers receive service credits of 10% of the "
        "monthly fee for each full 0.1% below it, up to 50%. "
        "Team plans have a 99.5% uptime target without credits. "
        "Current and past incidents are listed on status.example.com.",
        "technical",
        ("sla", "uptime", "availability", "downtime", "outage", "service credit", "guarantee"),
    ),
    Article(
        "kb-api-rate-limits",
        "API rate limits",
        "The REST API allows 600 requests per minute per workspace on Team and 3,000 requests "
        "per minute on Enterprise. "
        "Requests over the limit receive HTTP 429 with a Retry-After header saying how many "
        "seconds to wait. "
        "Bulk endpoints count as one request per 100 records. "
        "Contact support to raise the limits for a migration.",
        "technical",
        ("api", "rate limit", "429", "throttle", "throttled", "quota", "too many requests"),
    ),
    Article(
        "kb-sso",
        "Single sign-on (SSO)",
        "Enterprise workspaces can require single sign-on through SAML 2.0 with Okta, Azure AD, "
        "Google Workspace or any SAML identity provider. "
        "Set it up under Settings > Security > SSO by uploading your provider's metadata. "
        "SCIM provisioning adds and removes members automatically. "
        "Once SSO is enforced, members sign in only through the identity provider.",
        "account",
        ("sso", "saml", "okta", "azure ad", "single sign-on", "scim", "identity provider"),
    ),
    Article(
        "kb-team-members",
        "Inviting team members",
        "Admins invite teammates from Settings > Members by entering their email addresses. "
        "Invitations expire after 7 days and can be resent from the same page. "
        "Each member has a role: Owner, Admin, Member or Guest. "
        "Team plans include up to 50 seats, and Enterprise has no seat limit.",
        "account",
        ("invite", "teammate", "colleague", "seat", "role", "workspace member", "add user"),
    ),
    Article(
        "kb-integrations",
        "Slack and other integrations",
        "Connect Slack from Settings > Integrations to get notifications in any channel. "
        "We also integrate with Jira, GitHub and Zapier, and webhooks can send events to your "
        "own endpoint. "
        "Integrations are available on Team and Enterprise plans.",
        "technical",
        ("slack", "jira", "github", "zapier", "webhook", "integration", "notification"),
    ),
    Article(
        "kb-support-hours",
        "Contacting support",
        "Our support team answers tickets around the clock on weekdays and from 9 am to 5 pm UTC "
        "on weekends. "
        "Enterprise customers get a first response within 1 hour for urgent issues, and other "
        "plans within one business day. "
        "You can open a ticket from the Help menu, by emailing support@example.com, or by "
        "asking this assistant to escalate.",
        "general",
        ("support", "contact", "ticket", "human", "agent", "hours", "escalate"),
    ),
)

BY_ID: dict[str, Article] = {a.id: a for a in ARTICLES}
