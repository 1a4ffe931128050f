"use client";

import { useNotices } from "@/lib/notices";

/** Errors, conflicts and refusals, newest last, each until dismissed. */
export function NoticeList() {
  const { notices, dismiss } = useNotices();
  return (
    <section className="notices" aria-label="Notifications" aria-live="polite">
      {notices.map((notice) => (
        <div
          key={notice.id}
          className={`notice notice-${notice.kind}`}
          role={notice.kind === "error" ? "alert" : "status"}
        >
          <p>{notice.message}</p>
          <div className="notice-actions">
            {notice.action && (
              <button
                type="button"
                className="button button-small"
                onClick={() => {
                  dismiss(notice.id);
                  notice.action?.run();
                }}
              >
                {notice.action.label}
              </button>
            )}
            <button
              type="button"
              className="icon-button"
              aria-label="Dismiss notification"
              onClick={() => dismiss(notice.id)}
            >
              ×
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}
