"use client";

import { useState, type FormEvent } from "react";

import { errorMessage } from "@/lib/api/client";
import { scoreToRating, type Feedback } from "@/lib/api/prompts";

import styles from "./content.module.css";

interface Props {
  version: number;
  /** The feedback on this version. */
  feedback: readonly Feedback[];
  give(version: number, rating: number, comment: string): Promise<void>;
}

const RATINGS = [1, 2, 3, 4, 5] as const;

function Stars({ rating }: { rating: number }) {
  return (
    <span aria-label={`${rating} of 5`}>
      {RATINGS.map((r) => (
        <span key={r} className={r <= rating ? styles.starOn : styles.star} aria-hidden="true">
          ★
        </span>
      ))}
    </span>
  );
}

/** The ratings and comments on one version, and a form to add one. */
export function PromptFeedback({ version, feedback, give }: Props) {
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await give(version, rating, comment.trim());
      setRating(0);
      setComment("");
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      {feedback.length === 0 && <p className="muted">No feedback on v{version} yet.</p>}
      {feedback.length > 0 && (
        <ul className={`${styles.list} ${styles.spaced}`} aria-label={`Feedback on v${version}`}>
          {feedback.map((item) => (
            <li key={item.id}>
              {item.score !== null && <Stars rating={scoreToRating(item.score)} />} {item.comment}{" "}
              <span className="muted">— {item.actor}</span>
            </li>
          ))}
        </ul>
      )}
      <form className={styles.form} onSubmit={submit} aria-label="Rate this version">
        <fieldset className={styles.stars}>
          <legend className="visually-hidden">Rating</legend>
          {RATINGS.map((r) => (
            <button
              key={r}
              type="button"
              className={r <= rating ? `${styles.star} ${styles.starOn}` : styles.star}
              aria-label={`${r} of 5`}
              aria-pressed={r === rating}
              onClick={() => setRating(r)}
            >
              ★
            </button>
          ))}
        </fieldset>
        <label htmlFor="feedback-comment" className="visually-hidden">
          Comment
        </label>
        <input
          id="feedback-comment"
          className="input"
          placeholder="Comment (optional)"
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          maxLength={2000}
        />
        <div className={styles.row}>
          <button type="submit" className="button" disabled={busy || rating === 0}>
            Rate v{version}
          </button>
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </div>
  );
}
